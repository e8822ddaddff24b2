/* check_rules.c: the catalog's rules as the store wants them to check and recount its
 * counters: the types that count in no indicator, and the open states of each type as
 * "type/state". */
#include <stdio.h>
#include <string.h>

#include "service/internal.h"

static const char *pair(struct pa_arena *a, const char *type, const char *state)
{
	size_t n = strlen(type) + strlen(state) + 2;
	char *p = pa_alloc(a, n);
	snprintf(p, n, "%s/%s", type, state);
	return p;
}

void pa_check_rules_of(const struct pa_catalog *cat, struct pa_arena *a, struct pa_check_rules *r)
{
	int states = 0;
	for (int i = 0; i < cat->ntypes; i++)
		states += cat->types[i].lc->nstates;
	const char **unc = pa_alloc(a, sizeof *unc * (size_t)(cat->ntypes + 1));
	const char **open = pa_alloc(a, sizeof *open * (size_t)(states + 1));
	r->nuncounted = r->nopen = 0;
	for (int i = 0; i < cat->ntypes; i++) {
		const struct pa_casetype *t = &cat->types[i];
		if (t->lc->uncounted)
			unc[r->nuncounted++] = t->code;
		for (int s = 0; s < t->lc->nstates; s++) {
			if (pa_state_open(t->lc, s))
				open[r->nopen++] = pair(a, t->code, t->lc->states[s].code);
		}
	}
	r->uncounted = unc;
	r->open = open;
}
