/* catalog.h: the domain as data — roles, lifecycles (states, actions, transitions) and
 * case types (categories, form fields) — loaded from data files and validated at start.
 * A loaded catalog is immutable and may be read from any thread. */
#ifndef PA_CATALOG_H
#define PA_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define PA_MAX_ROLES 64

enum pa_scope_kind {
	PA_SCOPE_REGION, /* sees cases located in its region subtree */
	PA_SCOPE_UNIT,   /* sees cases that passed through its unit, within its region */
};

struct pa_role {
	const char *code, *name, *name_en;
	enum pa_scope_kind scope;
	int index; /* bit in role masks */
};

enum pa_state_kind { PA_STATE_INITIAL, PA_STATE_ACTIVE, PA_STATE_WAITING, PA_STATE_TERMINAL };

struct pa_state {
	const char *code, *name, *name_en;
	enum pa_state_kind kind;
};

/* What an action needs from the request besides the action name. */
#define PA_NEED_NOTE   1u /* a non-empty note (reason) */
#define PA_NEED_UNIT   2u /* a target unit_id */
#define PA_NEED_HOLDER 4u /* the actor belongs to the unit now holding the case */

struct pa_action {
	const char *code, *name, *name_en;
	unsigned needs;
};

struct pa_transition {
	const struct pa_action *action;
	int from; /* state index; -1 = none (the report that creates the case) */
	int to;
	uint64_t roles; /* mask of pa_role.index */
};

struct pa_lifecycle {
	const char *code, *name;
	int nstates, nactions, ntrans;
	struct pa_state *states;
	struct pa_action *actions;
	struct pa_transition *trans;
};

enum pa_field_type {
	PA_FIELD_TEXT,
	PA_FIELD_LONGTEXT,
	PA_FIELD_INT,
	PA_FIELD_MONEY,
	PA_FIELD_DATE,
	PA_FIELD_BOOL,
	PA_FIELD_CHOICE,
	PA_FIELD_PHONE,
};

struct pa_field {
	const char *code, *name, *name_en;
	enum pa_field_type type;
	bool required;
	int nchoices;
	const char **choices;
};

struct pa_category {
	const char *code, *name, *name_en;
};

struct pa_casetype {
	const char *code, *name, *name_en;
	const struct pa_lifecycle *lc;
	int ncategories, nfields;
	struct pa_category *categories;
	struct pa_field *fields;
};

/* How a case reached pingan (walk-in, hotline, grid worker, online …). */
struct pa_channel {
	const char *code, *name, *name_en;
};

struct pa_catalog {
	int nroles, nlifecycles, ntypes, nchannels;
	struct pa_role *roles;
	struct pa_channel *channels;
	struct pa_lifecycle *lifecycles;
	struct pa_casetype *types;
	struct pa_arena arena; /* owns everything */
};

/* Load datadir/roles.conf, datadir/channels.conf, datadir/lifecycles/ *.conf, datadir/case-types/
 * *.conf. On any problem returns PA_DATA_FILE with "file:line: field: problem" in pa_err_last. */
enum pa_err pa_catalog_load(const char *datadir, struct pa_catalog **out);
void pa_catalog_free(struct pa_catalog *c);

const struct pa_role *pa_catalog_role(const struct pa_catalog *c, const char *code);
const struct pa_channel *pa_catalog_channel(const struct pa_catalog *c, const char *code);
const struct pa_casetype *pa_catalog_type(const struct pa_catalog *c, const char *code);
const struct pa_category *pa_type_category(const struct pa_casetype *t, const char *code);
int pa_lifecycle_state(const struct pa_lifecycle *lc, const char *code); /* index or -1 */
const struct pa_action *pa_lifecycle_action(const struct pa_lifecycle *lc, const char *code);
/* The transition taking `action` out of state `from` (-1: the creating report), or NULL. */
const struct pa_transition *pa_lifecycle_find(const struct pa_lifecycle *lc, const char *action,
					      int from);
static inline bool pa_role_may(const struct pa_transition *t, const struct pa_role *r)
{
	return r && (t->roles >> r->index) & 1u;
}

const char *pa_state_kind_name(enum pa_state_kind k);
const char *pa_field_type_name(enum pa_field_type t);

#endif
