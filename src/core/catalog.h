/* catalog.h: the domain as data — roles, lifecycles (states, actions, transitions) and
 * case types (categories, form fields) — loaded from data files and validated at start.
 * A loaded catalog is immutable and may be read from any thread. */
#ifndef PA_CATALOG_H
#define PA_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/passwd.h"
#include "core/rules.h"

#define PA_MAX_ROLES 64

enum pa_scope_kind {
	PA_SCOPE_REGION, /* sees cases located in its region subtree */
	PA_SCOPE_UNIT,   /* sees cases that passed through its unit, within its region */
	PA_SCOPE_NONE,   /* sees no case at all (administrators of the system itself) */
};

/* The three duties of 等保 separation of duties (三员分立): one role may hold permissions
 * of one of them at most, whatever roles.conf says. */
enum pa_duty { PA_DUTY_NONE, PA_DUTY_SYSTEM, PA_DUTY_SECURITY, PA_DUTY_AUDIT };

/* What a role may do besides the case actions its lifecycles allow: a fixed vocabulary
 * the code checks, given to roles in roles.conf's [permissions], each of one duty.
 * routing_read = read the routing rules in force and their history; routing_admin = put
 * new rules in force; users_admin = add and list accounts; security_admin = list accounts,
 * unlock them, reset their second factor, read the security events; audit_read = read the
 * audit log; pii_reveal = see a case's personal data in full, giving a reason (audited);
 * units_admin = add units of one's region and rename or re-kind them. */
// clang-format off
#define PA_PERMS_MAP(X) \
	X(ROUTING_READ, "routing_read", NONE) \
	X(ROUTING_ADMIN, "routing_admin", SYSTEM) \
	X(USERS_ADMIN, "users_admin", SYSTEM) \
	X(SECURITY_ADMIN, "security_admin", SECURITY) \
	X(AUDIT_READ, "audit_read", AUDIT) \
	X(PII_REVEAL, "pii_reveal", NONE) \
	X(UNITS_ADMIN, "units_admin", SYSTEM)
// clang-format on

enum pa_perm {
#define PA_X(name, word, duty) PA_PERM_##name,
	PA_PERMS_MAP(PA_X)
#undef PA_X
		PA_PERM__COUNT
};

struct pa_role {
	const char *code, *name, *name_en;
	enum pa_scope_kind scope;
	int index;          /* bit in role masks */
	unsigned perms;     /* bits 1u << enum pa_perm */
	enum pa_duty duty;  /* the one its permissions belong to (NONE: none of the three) */
	bool totp_optional; /* roles.conf [totp]: a second factor may be enrolled, not must */
};

static inline bool pa_role_can(const struct pa_role *r, enum pa_perm p)
{
	return r && (r->perms >> p) & 1u;
}

enum pa_state_kind { PA_STATE_INITIAL, PA_STATE_ACTIVE, PA_STATE_WAITING, PA_STATE_TERMINAL };

/* Which time limit runs while a case is in a state (none: no clock). */
enum pa_phase { PA_PHASE_NONE, PA_PHASE_ACCEPT, PA_PHASE_HANDLE, PA_PHASE_VERIFY };

struct pa_state {
	const char *code, *name, *name_en;
	enum pa_state_kind kind;
	enum pa_phase phase;
};

/* What an action needs from the request besides the action name (a fixed vocabulary:
 * data files name them, "needs" column): note = a non-empty reason; unit = a target
 * unit_id; holder = the actor belongs to the unit now holding the case; case = another
 * case (target_case_id); days = working days; rating = a satisfaction rating; tier =
 * village, town or city; record = a record the case type defines for the action.
 * Who may not act, whatever their role (no one checks their own work): not_reporter = not
 * the account that reported the case; not_handler = no one of the unit that handled it
 * (the unit that held the case when its work last left the handle phase: the feedback,
 * the reply). above = the actor's unit lies above the holder (its region contains the
 * holder's, and is larger): the take-over (提级办理) of a unit below. */
// clang-format off
#define PA_NEEDS_MAP(X) \
	X(NOTE, "note", 1u) \
	X(UNIT, "unit", 2u) \
	X(HOLDER, "holder", 4u) \
	X(CASE, "case", 8u) \
	X(DAYS, "days", 16u) \
	X(RATING, "rating", 32u) \
	X(TIER, "tier", 64u) \
	X(RECORD, "record", 128u) \
	X(NOT_REPORTER, "not_reporter", 256u) \
	X(NOT_HANDLER, "not_handler", 512u) \
	X(ABOVE, "above", 1024u)
// clang-format on
#define PA_MAX_NEEDS 11

enum {
#define PA_X(name, word, bit) PA_NEED_##name = bit,
	PA_NEEDS_MAP(PA_X)
#undef PA_X
};

/* What an action does besides moving the case between states: named in the data files
 * ("effect" column), each implemented once in the service layer (effects.c):
 * assign = to the given unit; send_back = to the unit that dispatched it; escalate = to
 * the centre one tier up; skip_level = straight to the city centre; triage = set the tier
 * (繁简分流); ext_request / ext_approve / ext_deny = extension asked, granted, refused;
 * urgent_on / urgent_off; rate = the call-back's rating; unreasonable = excluded from
 * satisfaction scores; merge = a duplicate of the given case; link = related to it;
 * supervise = manual supervision with a deadline; supervision_report = the report a
 * manual supervision waits for (the note); record = keep the record the case type
 * defines for this action ([record ACTION] in its file); take_over = the actor's unit
 * takes the case from the unit below holding it (提级办理), at its own tier. */
// clang-format off
#define PA_EFFECTS_MAP(X) \
	X(NONE, "-") \
	X(ASSIGN, "assign") \
	X(SEND_BACK, "send_back") \
	X(ESCALATE, "escalate") \
	X(SKIP_LEVEL, "skip_level") \
	X(TRIAGE, "triage") \
	X(EXT_REQUEST, "ext_request") \
	X(EXT_APPROVE, "ext_approve") \
	X(EXT_DENY, "ext_deny") \
	X(URGENT_ON, "urgent_on") \
	X(URGENT_OFF, "urgent_off") \
	X(RATE, "rate") \
	X(UNREASONABLE, "unreasonable") \
	X(MERGE, "merge") \
	X(LINK, "link") \
	X(SUPERVISE, "supervise") \
	X(ROUTE, "route") \
		X(RECORD, "record") \
	X(SUP_REPORT, "supervision_report") \
	X(TAKE_OVER, "take_over")
// clang-format on

enum pa_effect {
#define PA_X(name, word) PA_EFFECT_##name,
	PA_EFFECTS_MAP(PA_X)
#undef PA_X
};

struct pa_action {
	const char *code, *name, *name_en;
	unsigned needs;
	enum pa_effect effect;
	const char *counts; /* the statistics event it records (mediation_success …), or NULL */
	bool reply; /* "replies = …" in [lifecycle]: its note answers the reporter (track) */
};

#define PA_FROM_CREATE -1 /* the report that creates the case */
#define PA_FROM_ANY    -2 /* "*": any state that is not terminal */
#define PA_TO_SAME     -3 /* "=": the case stays in its state */

struct pa_transition {
	const struct pa_action *action;
	int from;       /* state index, PA_FROM_CREATE or PA_FROM_ANY */
	int to;         /* state index or PA_TO_SAME */
	uint64_t roles; /* mask of pa_role.index */
};

struct pa_lifecycle {
	const char *code, *name;
	int max_extension_days; /* "max_extension_days = N" in [lifecycle]; default 90 */
	bool uncounted; /* "indicators = no": tasks, not cases; no events in /stats periods */
	uint64_t done;  /* "done = s1,s2": states that count as 办结 (closed) */
	/* [phases]: the name of each time-limit phase its states run (受理, 办理, 核查), by
	 * enum pa_phase; NULL for a phase none of its states runs and for PA_PHASE_NONE */
	const char *phase_name[4], *phase_name_en[4];
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
	bool past; /* "required,past": a date of something that happened, not after today */
	int nchoices;
	const char **choices;
};

struct pa_category {
	const char *code, *name, *name_en;
};

/* A record an action keeps (its kind is the action's code): mediation sessions, agreements,
 * votes … with their fields. */
struct pa_record_spec {
	const char *kind, *name, *name_en;
	int nfields, nrules;
	struct pa_field *fields;
	struct pa_rule *rules; /* "rule = …": each must hold (core/rules.h) */
	struct pa_rule *pass;  /* "pass = …": the outcome (a vote carried), or NULL */
	int fail_to;           /* "fail_to = …": where a record that fails leads (state
				* index or PA_TO_SAME) */
};

/* The role the public portal acts as (roles.conf): residents submit and rate with it, never
 * log in with it — no account may have it. */
#define PA_PORTAL_ROLE "resident"

struct pa_casetype {
	const char *code, *name, *name_en;
	const struct pa_lifecycle *lc;
	int ncategories, nfields, nrecords;
	bool protect_reporter; /* "reporter_roles = …": only they see who reported */
	uint64_t reporter_roles;
	bool query_code;    /* "query_code = yes": the reporter tracks it by a code */
	bool portal;        /* "portal = yes": residents report it themselves, online */
	const char *intake; /* the endpoint that alone creates its cases, or NULL */
	/* "watch = FIELD": one of its date fields is a deadline the sweeper watches (a hazard's
	 * 整改期限): passed while the case is still being handled, it is marked once. NULL =
	 * none. watch_step: the name of that mark ("watch_step = …"; default 逾期督办). */
	const struct pa_field *watch;
	const char *watch_step;
	/* "urgent_profile = P": the limits its cases follow when sent out as urgent (an
	 * urgent fraud warning's visits run on hours), or NULL */
	const struct pa_profile *urgent_profile;
	const char *urgent_profile_code;
	int urgent_profile_line;
	struct pa_category *categories;
	struct pa_field *fields;
	struct pa_record_spec *records;
};

/* The three tiers of the ladder (村 → 镇 → 市). */
enum pa_tier { PA_TIER_VILLAGE, PA_TIER_TOWN, PA_TIER_CITY };
const char *pa_tier_name(enum pa_tier t);
/* -1 if name is not a tier. */
int pa_tier_of(const char *name);

/* The unit a limit counts in: working days (by the calendar), calendar days (自然日: a
 * last day off moves to the next working day) or plain clock hours. */
enum pa_limit_unit { PA_UNIT_WORKDAYS, PA_UNIT_DAYS, PA_UNIT_HOURS };
const char *pa_limit_unit_name(enum pa_limit_unit u); /* working_days, calendar_days, hours */

/* One limit: yellow and red, in one unit. */
struct pa_limit {
	int yellow, red;
	enum pa_limit_unit unit;
};

/* A time-limit profile: a limit per tier × phase (PA_PHASE_ACCEPT..VERIFY), the unit its
 * plain numbers are in ("unit = …") and the regulation it follows ("basis = …"). */
struct pa_profile {
	const char *code;
	const char *basis;
	enum pa_limit_unit unit;
	bool escalate; /* past red, an open case goes up the ladder */
	struct pa_limit lim[3][4];
};

/* A routing rule: first match on (type, category, region, channel) wins. */
struct pa_routing_rule {
	const char *id;
	int line;                                       /* in the text it was parsed from */
	const char *type, *category, *region, *channel; /* NULL = any */
	bool to_unit;      /* target is a unit code, else a tier's centre */
	const char *unit;  /* the unit's code when to_unit */
	enum pa_tier tier; /* the tier the case starts at (and the centre's tier) */
	const struct pa_profile *profile;
};

/* How a case reached pingan (walk-in, hotline, grid worker, online …). */
struct pa_channel {
	const char *code, *name, *name_en;
};

/* A routing table: one version of the rules, immutable once parsed. Its rules point into
 * the catalog it was parsed against (case types, profiles), which must outlive it. */
struct pa_routing {
	int nrules;
	struct pa_routing_rule *rules;
	int64_t version; /* the recorded version it is (routing_versions), 0 if none yet */
	struct pa_routing *replaced; /* the table this one replaced in a running app */
	struct pa_arena arena;       /* owns the rules */
};

struct pa_catalog {
	int nroles, nlifecycles, ntypes, nchannels, nprofiles;
	struct pa_profile *profiles;
	/* datadir/routing.conf, validated at load; its text is what the service records as a
	 * version of the routing rules (the table in force may be a later one). */
	const char *routing_path, *routing_text;
	struct pa_role *roles;
	struct pa_channel *channels;
	struct pa_lifecycle *lifecycles;
	struct pa_casetype *types;
	struct pa_pwlist *pwlist; /* datadir/common-passwords.txt: passwords refused */
	struct pa_arena arena;    /* owns everything else */
};

/* Load datadir/messages.conf (installed for pa_errf), datadir/roles.conf, datadir/channels.conf,
 * datadir/limits.conf, datadir/routing.conf, datadir/lifecycles/ *.conf, datadir/case-types/
 * *.conf, datadir/common-passwords.txt. On any problem returns PA_DATA_FILE with "file:line: field:
 * problem" in pa_err_last. */
enum pa_err pa_catalog_load(const char *datadir, struct pa_catalog **out);
void pa_catalog_free(struct pa_catalog *c);

const struct pa_role *pa_catalog_role(const struct pa_catalog *c, const char *code);
const struct pa_channel *pa_catalog_channel(const struct pa_catalog *c, const char *code);
const struct pa_profile *pa_catalog_profile(const struct pa_catalog *c, const char *code);
/* Routing rules from text: a whole routing.conf, or the rows of its [rules] section alone,
 * checked against the catalog's case types, categories, channels and profiles exactly as
 * at load. name prefixes messages ("name:line: field: problem", PA_DATA_FILE). */
enum pa_err pa_routing_parse(const struct pa_catalog *c, const char *name, const char *text,
			     size_t len, struct pa_routing **out);
/* Frees this table only (not the ones it replaced). NULL-safe. */
void pa_routing_free(struct pa_routing *r);
/* The first rule matching; a parsed table always ends with a rule that matches anything. */
const struct pa_routing_rule *pa_routing_match(const struct pa_routing *r, const char *type,
					       const char *category, const char *grid,
					       const char *channel);
const struct pa_casetype *pa_catalog_type(const struct pa_catalog *c, const char *code);
const struct pa_category *pa_type_category(const struct pa_casetype *t, const char *code);
const struct pa_record_spec *pa_type_record(const struct pa_casetype *t, const char *kind);
int pa_lifecycle_state(const struct pa_lifecycle *lc, const char *code); /* index or -1 */
const struct pa_action *pa_lifecycle_action(const struct pa_lifecycle *lc, const char *code);
/* The transition taking `action` out of state `from` (PA_FROM_CREATE: the creating
 * report): one listed for that state, else a "*" one when the state is not terminal. */
const struct pa_transition *pa_lifecycle_find(const struct pa_lifecycle *lc, const char *action,
					      int from);
static inline bool pa_state_done(const struct pa_lifecycle *lc, int s)
{
	return s >= 0 && (lc->done >> s) & 1u;
}
/* Open: not terminal and not done (still being worked on). */
static inline bool pa_state_open(const struct pa_lifecycle *lc, int s)
{
	return s >= 0 && lc->states[s].kind != PA_STATE_TERMINAL && !pa_state_done(lc, s);
}

/* Whether a watched date (a case type's "watch = FIELD") is watched in state s: until the
 * work is reported done, i.e. in a state of the accept or handle phase — waiting ones too,
 * for the date was set when the case came in and no pause moves it. */
static inline bool pa_state_watched(const struct pa_lifecycle *lc, int s)
{
	return s >= 0 && lc->states[s].kind != PA_STATE_TERMINAL &&
	       (lc->states[s].phase == PA_PHASE_ACCEPT || lc->states[s].phase == PA_PHASE_HANDLE);
}

/* Where transition t leads from state `from`. */
static inline int pa_transition_target(const struct pa_transition *t, int from)
{
	return t->to == PA_TO_SAME ? from : t->to;
}
/* Whether transition t applies in state `from` at all (ignoring roles). */
bool pa_transition_applies(const struct pa_lifecycle *lc, const struct pa_transition *t, int from);
static inline bool pa_role_may(const struct pa_transition *t, const struct pa_role *r)
{
	return r && (t->roles >> r->index) & 1u;
}

const char *pa_state_kind_name(enum pa_state_kind k);
const char *pa_phase_name(enum pa_phase p);
const char *pa_field_type_name(enum pa_field_type t);
const char *pa_effect_name(enum pa_effect e);
/* Fills out[] with the words of the needs bits (at most PA_MAX_NEEDS); returns how many. */
int pa_needs_words(unsigned needs, const char *out[PA_MAX_NEEDS]);

#endif
