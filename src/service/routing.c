/* routing.c: the routing table in force. Intake takes it once per case through an atomic
 * pointer; a new table replaces it whole, so no reader ever sees half of one. */
#include <stdlib.h>
#include <string.h>

#include "service/internal.h"

const struct pa_routing *pa_app_routing(struct pa_app *app)
{
	return atomic_load(&app->routing);
}

/* Put t in force unless a later version already is (two edits may finish out of order);
 * returns false, and frees t, when it was not. */
static bool install(struct pa_app *app, struct pa_routing *t)
{
	struct pa_routing *cur = atomic_load(&app->routing);
	do {
		if (cur && cur->version > t->version) {
			pa_routing_free(t);
			return false;
		}
		t->replaced = cur;
	} while (!atomic_compare_exchange_weak(&app->routing, &cur, t));
	return true;
}

enum pa_err routing_start(struct pa_app *app)
{
	const struct pa_catalog *c = app->cat;
	struct pa_routing *t;
	enum pa_err rc =
		pa_routing_parse(c, c->routing_path, c->routing_text, strlen(c->routing_text), &t);
	if (!rc)
		install(app, t);
	return rc;
}

void routing_close(struct pa_app *app)
{
	struct pa_routing *t = atomic_exchange(&app->routing, NULL);
	while (t) {
		struct pa_routing *older = t->replaced;
		pa_routing_free(t);
		t = older;
	}
}
