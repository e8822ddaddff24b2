/* audit.c: pingan audit verify — walk the audit log's chain with its key and say whether
 * every row is as pingan wrote it, or where the first one is not. Read only: it may run
 * beside a serving pingan. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/ops.h"
#include "cli/opts.h"
#include "store/store.h"

int pa_cmd_audit_verify(int argc, char **argv)
{
	const char *db = NULL, *akey = NULL, *from = NULL;
	struct pa_opt opts[] = {
		{"db", "PATH", "the database (or backup) whose audit log to verify", &db, 1},
		{"audit-key", "FILE",
		 "the key the log was chained with (default: the database path + .audit-key)",
		 &akey, 0},
		{"from", "N",
		 "start at the last checkpoint before row N, which vouches for the rows before "
		 "it (default: row 1, the whole log)",
		 &from, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(
		argc, argv, opts, "pingan audit verify --db PATH [--audit-key FILE] [--from N]",
		"Verify the audit log: every row must sit at the next index, carry the MAC of "
		"the row before it and a MAC of its own that the key reproduces (HMAC-SM3, or "
		"HMAC-SHA-256 where the log says so); the head and the checkpoints must verify "
		"and vouch for no row past the end. Prints the first row where that fails, with "
		"what happened there — edited, inserted, deleted, truncated, or the wrong key — "
		"and exits 1; exits 0 with the count when the whole log verifies.");
	if (r)
		return r == 1 ? 0 : 2;
	char *end = NULL;
	long long start = from ? strtoll(from, &end, 10) : 1;
	if (from && (*end || start < 1)) {
		fprintf(stderr, "pingan: --from wants a row number (1 or more)\n");
		return 2;
	}
	char path[1100];
	if (!akey) {
		pa_audit_key_path_of(db, path, sizeof path);
		akey = path;
	}
	uint8_t key[PA_AUDIT_KEY_BYTES];
	struct pa_store *s = NULL;
	struct pa_db *conn = NULL;
	struct pa_audit_report rep;
	enum pa_err rc = pa_audit_key_read(akey, key);
	if (!rc && !(rc = pa_store_open(db, &s)) && !(conn = pa_store_acquire(s)))
		rc = pa_err_last()->code ? pa_err_last()->code : PA_STORE_IO;
	if (!rc)
		rc = pa_audit_verify(conn, key, start, &rep);
	sodium_memzero(key, sizeof key);
	pa_store_release(s, conn);
	pa_store_close(s);
	if (rc) {
		fprintf(stderr, "pingan: cannot verify the audit log: %s\n",
			pa_err_last()->message);
		return 1;
	}
	if (rep.problem) {
		printf("audit log NOT verified: %s\n", rep.message);
		if (rep.last >= rep.first)
			printf("rows %lld to %lld before it verify\n", (long long)rep.first,
			       (long long)rep.last);
		return 1;
	}
	printf("audit log verified: rows %lld to %lld, chained with %s under key %s; the head "
	       "says %lld rows; %d checkpoint%s\n",
	       (long long)rep.first, (long long)rep.last,
	       rep.alg == PA_AUDIT_HMAC_SM3 ? "HMAC-SM3" : "HMAC-SHA-256", rep.key_id,
	       (long long)rep.head, rep.ncheckpoints, rep.ncheckpoints == 1 ? "" : "s");
	return 0;
}
