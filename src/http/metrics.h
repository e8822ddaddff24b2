/* metrics.h: the Prometheus face. The server counts each request here (relaxed atomics, no
 * lock on the request path); a listener of its own, apart from the API port, answers
 * GET /metrics in the text exposition format 0.0.4. Nothing counted carries personal data:
 * labels are route patterns, methods and status classes. Thread-safe. */
#ifndef PA_METRICS_H
#define PA_METRICS_H

#include <stdio.h>

#include "core/err.h"
#include "service/app.h"

/* One answered request: route is its index in pa_routes, or -1 when none matched. */
void pa_metrics_request(int route, const char *method, int status, long us);
/* Write every metric of this process and app to f. */
void pa_metrics_render(struct pa_app *app, FILE *f);

struct pa_metrics_server;
/* Serve GET /metrics on listen ("127.0.0.1:9464"), one thread. */
enum pa_err pa_metrics_start(struct pa_app *app, const char *listen,
			     struct pa_metrics_server **out);
/* NULL-safe. */
void pa_metrics_stop(struct pa_metrics_server *m);

#endif
