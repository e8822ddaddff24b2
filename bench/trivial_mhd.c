/* trivial_mhd.c: the ceiling for GET throughput with pingan's HTTP stack.
 *
 * A libmicrohttpd server with the same threading flags as pingan
 * (internal polling thread, thread per connection, poll; plus ITC and error log, as in
 * src/http/server.c) that answers every GET with a
 * fixed JSON body of about 1 KiB and Content-Type: application/json. It does no
 * routing, no authentication, no database and no JSON encoding, so its requests/second
 * is the most pingan's GET /api/v1/cases/{id} can hope for on this machine.
 *
 *   trivial_mhd PORT        listens on 127.0.0.1:PORT until SIGINT or SIGTERM
 *
 * Build: gcc -std=c17 -O2 -o trivial_mhd trivial_mhd.c -lmicrohttpd */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A case-shaped document of about 1 KiB. */
static const char body[] =
	"{\"id\":1024,\"number\":\"PA2026000001024\",\"type\":\"dispute\","
	"\"category\":\"neighbour\",\"status\":\"reported\","
	"\"title\":\"邻里纠纷测试\","
	"\"description\":\"两户居民因楼道堆放杂物及空调外机滴水问题多次发生争执，双方情绪激动，"
	"曾有推搡行为。一方称对方长期占用公共通道影响通行和消防安全，另一方称"
	"空调滴水损坏其窗台和晾晒衣物。社区网格员已上门了解情况，申请调解。\","
	"\"grid\":\"420984001001001\",\"lng\":113.17,\"lat\":30.66,"
	"\"address\":\"汉川市仙女山街道示范社区3栋2单元\",\"channel\":\"walk_in\","
	"\"fields\":{\"people_involved\":4,\"risk_signs\":\"言语威胁\"},"
	"\"unit\":{\"id\":12,\"name\":\"仙女山街道综治中心\"},"
	"\"reporter\":{\"id\":7,\"name\":\"网格员\"},"
	"\"created_at\":\"2026-03-01T09:30:00+08:00\","
	"\"updated_at\":\"2026-03-01T09:30:00+08:00\","
	"\"parties\":[{\"role\":\"applicant\",\"name\":\"张某\"},"
	"{\"role\":\"respondent\",\"name\":\"李某\"}],"
	"\"steps\":[{\"action\":\"report\",\"to_state\":\"reported\","
	"\"at\":\"2026-03-01T09:30:00+08:00\"}],"
	"\"actions\":[\"accept\",\"assign\",\"return\"]}";

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	(void)cls, (void)url, (void)version, (void)upload_data;
	/* The first call comes right after the headers. A response queued then makes
	 * libmicrohttpd discard the rest of the request and close the connection, so (as a
	 * real handler must) wait for the second call, when the request is complete. */
	static int seen;
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a GET carries no body; ignore one if sent */
		return MHD_YES;
	}
	int get = !strcmp(method, MHD_HTTP_METHOD_GET);
	struct MHD_Response *r =
		get ? MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
						      MHD_RESPMEM_PERSISTENT)
		    : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (get)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ret =
		MHD_queue_response(conn, get ? MHD_HTTP_OK : MHD_HTTP_METHOD_NOT_ALLOWED, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: trivial_mhd PORT\n");
		return 2;
	}
	int port = atoi(argv[1]);
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "trivial_mhd: bad port %s\n", argv[1]);
		return 2;
	}

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	/* Block the stop signals before MHD starts its threads, then wait for one here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
			MHD_USE_ITC | MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "trivial_mhd: cannot listen on 127.0.0.1:%d\n", port);
		return 1;
	}
	printf("trivial_mhd: listening on 127.0.0.1:%d, body %zu bytes\n", port,
	       sizeof body - 1);
	fflush(stdout);

	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
