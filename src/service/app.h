/* app.h: the running pingan — store, writer, catalog, grid index — and the domain
 * operations the front ends (HTTP, CLI) call. Knows nothing of HTTP or argv.
 * All functions are thread-safe once pa_app_open has returned. */
#ifndef PA_APP_H
#define PA_APP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/catalog.h"
#include "core/geo.h"
#include "core/jw.h"
#include "store/store.h"
#include "store/writer.h"

struct pa_case_cache;
struct pa_seal_key;

/* What the sweeps of this process did, for /metrics (relaxed atomics). */
struct pa_sweep_totals {
	atomic_uint_fast64_t runs, failed, looked, yellow, red, escalated, late, watch_late;
};

/* How log-in guards itself and how long sessions last; pa_app_open sets the defaults. */
struct pa_login_policy {
	int lock_after;   /* failed log-ins under one username (5) … */
	int lock_window;  /* … within this many seconds (900) … */
	int lock_time;    /* … lock it for this many seconds (900) */
	int session_idle; /* a session unused this many seconds ends (1800) */
	int session_max;  /* a session ends this many seconds after log-in, used or not (43200) */
};

#define PA_WROTE_SLOTS 1024

struct pa_app {
	struct pa_store *store;
	struct pa_case_cache *case_cache; /* rendered cases by (id, version); NULL = off */
	struct pa_writer *writer;         /* NULL unless opened with a writer */
	struct pa_catalog *cat;
	struct pa_doc_rules *docs;        /* data/documents.conf (documents.c) */
	struct pa_calendar *calendar;     /* working days, from datadir/calendar */
	struct pa_assessment *assessment; /* how towns are ranked: datadir/assessment.conf */
	char city[8];         /* the city of the grids (its calendar file applies), or "" */
	char files_dir[1024]; /* where attachments are kept */
	char font[512];       /* the font documents print with ("" = Debian's) */
	struct pa_geo_index *geo;
	struct pa_login_policy login; /* lockout and session limits (serve's options) */
	int idem_days; /* how long an Idempotency-Key is remembered (a phone may be offline for
			* days before it sends again) */
	/* The routing table in force (routing.c): replaced whole, never changed in place; the
	 * tables it replaced stay allocated until close, since a reader may still hold one. */
	_Atomic(struct pa_routing *) routing;
	struct pa_sweep_totals sweeps;
	/* the personal-data keys (personal.c), from a key file outside the database */
	struct pa_seal_key *seal;
	/* With a replica: per user (hashed into PA_WROTE_SLOTS, so users may share a slot —
	 * they then wait for each other's writes, never read past their own), the primary's
	 * WAL position after that user's latest write (reads.c). */
	_Atomic uint64_t wrote_lsn[PA_WROTE_SLOTS];
};

/* Open the database, bring its schema up to date (migrate), load the catalog from
 * datadir and the grid index. audit_key: the audit log's key file (NULL = the database
 * path + ".audit-key", made on first use; see pa_store_audit_key). pii_key: the
 * personal-data key file (NULL: DB.pii-key, made at the first start), refused if it is not
 * the database's key; what was written before sealing is sealed. with_writer: start the
 * group-commit writer. */
enum pa_err pa_app_open(struct pa_app *app, const char *db, const char *audit_key,
			const char *datadir, const char *pii_key, bool with_writer);
void pa_app_close(struct pa_app *app);
/* Keep up to slots rendered cases in memory (0: none). Call before serving. */
void pa_app_set_case_cache(struct pa_app *app, int slots);
/* (Re)build the in-memory grid index from the store. */
enum pa_err pa_app_load_grids(struct pa_app *app);

/* The authenticated caller: user, role and the scope every query is bounded by. */
struct pa_actor {
	struct pa_user user;
	const struct pa_role *role;
	struct pa_scope scope;
	unsigned needs; /* what the session must do before anything else (PA_NEEDS_*) */
};

struct pa_case_facts;

/* What a case's condition (beside its state) allows: the actions offered and taken are
 * both judged by it (effects.c). */
struct pa_case_cond {
	const char *tier;
	bool urgent, rated, unreasonable;
	int ext_pending;
	int open_supervisions; /* manual supervisions waiting for their report */
};

/* ---- accounts and sessions (auth.c, login.c, second_factor.c, accounts.c) ---- */
enum pa_err pa_password_hash(const char *password, char out[128]);

/* A log-in: the password, and the second factor's code (otp) or one of its recovery codes
 * when the account has one; from = the client's address, for the audit record. */
struct pa_login_in {
	const char *username, *password, *otp, *recovery_code, *from;
};
struct pa_session_out {
	char token[64]; /* the new session's token (NUL-terminated, 43 characters) */
	struct pa_actor actor;
	int recovery_left; /* recovery codes left after one was used; -1 if none was */
};
/* Log in: refused while the username is locked (ACCOUNT_LOCKED, with Retry-After), for a
 * wrong username or password alike (BAD_CREDENTIALS), without the second factor's code
 * (OTP_REQUIRED) or with a wrong one (BAD_OTP). Each failure counts towards the lock and is
 * audited, as is each log-in; an unknown username is treated as a known one in all this. */
enum pa_err pa_login(struct pa_app *app, const struct pa_login_in *in, struct pa_session_out *out);
/* The actor of a session token: UNAUTHENTICATED once it was logged out, has gone unused
 * longer than the idle limit or has reached its absolute limit. */
enum pa_err pa_authenticate(struct pa_app *app, const char *token, struct pa_actor *actor);
enum pa_err pa_logout(struct pa_app *app, const struct pa_actor *a, const char *token);
json_t *pa_actor_json(const struct pa_app *app, const struct pa_actor *a);
/* ["password", "totp"]: what needs asks of the session, as words. */
json_t *pa_needs_json(unsigned needs);
/* Replace one's own password ({old, new}): the new one meets the policy; the other sessions
 * of the account end. */
enum pa_err pa_password_change(struct pa_app *app, const struct pa_actor *a, const char *token,
			       json_t *body, const char *from);
/* Enrol a second factor ({password}): a new key, given once as base32 and as an otpauth://
 * URI, awaiting its first code. CONFLICT if one is enrolled already. */
enum pa_err pa_totp_begin(struct pa_app *app, const struct pa_actor *a, json_t *body,
			  const char *from, json_t **out);
/* Confirm it with its first code ({code}): it is then asked at every log-in; the answer
 * holds the ten one-time recovery codes, shown this once. */
enum pa_err pa_totp_confirm(struct pa_app *app, const struct pa_actor *a, const char *token,
			    json_t *body, const char *from, json_t **out);
/* A new account: its password (held to the policy and hashed) or pw_hash (the demo alone: it
 * hashes its one published password, exempt from the policy, once for all its accounts);
 * who adds it (0: a command) from where (NULL: no address), for its audit record. */
struct pa_account_new {
	const char *username, *password, *pw_hash, *role, *region, *name;
	int64_t unit_id, by;
	const char *from;
};
/* Create a user (CLI, demo, the system administrator): validates role, region and unit;
 * the store writes the audit record (user.create) with it. id may be NULL. */
enum pa_err pa_user_create(struct pa_db *db, const struct pa_catalog *cat,
			   const struct pa_account_new *n, int64_t *id);

/* ---- the administrators' work (accounts.c), one duty each ---- */
/* The accounts of the caller's region, by id (users_admin or security_admin); the one of
 * username alone when it is not NULL. */
enum pa_err pa_users_list(struct pa_app *app, const struct pa_actor *a, const char *username,
			  const char *limit, const char *cursor, struct pa_jw *out);
/* Add an account ({username, password, role, region, unit_id, name}; users_admin): in the
 * caller's region, its password to the policy and to be replaced at the first log-in; not
 * one of the three administrators (those come from the command line). Answers the account. */
enum pa_err pa_user_add(struct pa_app *app, const struct pa_actor *a, json_t *body,
			const char *from, struct pa_jw *out);
/* ---- units (units.c) ---- */
struct pa_unit_query {
	const char *region, *kind, *limit, *cursor; /* as given; NULL = absent */
};
/* {items, next_cursor, kinds, may_manage}: units of the region subtree (of a kind), by id,
 * each with its accounts counted; every unit when no limit is given; the kinds pingan
 * knows; and whether the caller may add and change units. */
enum pa_err pa_units_list(struct pa_app *app, const struct pa_actor *a,
			  const struct pa_unit_query *q, json_t **out);
/* units_admin: add a unit {code, name, kind, region, tier} in the caller's region. */
enum pa_err pa_unit_create(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *from, const char *idem_key, struct pa_jw *out);
/* units_admin: change a unit's {name, kind, tier} (its code and region are fixed). */
enum pa_err pa_unit_change(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			   const char *from, const char *idem_key, struct pa_jw *out);
/* security_admin, on another account of the caller's region: unlock it, or reset its second
 * factor (it enrols again; its sessions end). */
enum pa_err pa_user_security(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     bool reset_totp, const char *from);

/* ---- routing (routing.c) ---- */
/* The routing table in force now: take it once per intake and route by it alone. */
const struct pa_routing *pa_app_routing(struct pa_app *app);
/* The version in force: number, source, author, reason, time, hash, text and rules. */
enum pa_err pa_routing_current(struct pa_app *app, const struct pa_actor *a, struct pa_jw *out);
/* The recorded versions, newest first, without their text; limit and cursor as given (NULL =
 * absent). */
enum pa_err pa_routing_history(struct pa_app *app, const struct pa_actor *a, const char *limit,
			       const char *cursor, struct pa_jw *out);
/* Put new rules in force ({rules, reason}): checked as data/routing.conf is at start-up
 * and against the units, recorded as a version with its audit record, then in force for
 * every intake that starts after. Answers as pa_routing_current does. */
enum pa_err pa_routing_put(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *idem_key, struct pa_jw *out);

/* ---- the audit log (audit.c; writing it: store/audit.h) ---- */
/* Query parameters as given (NULL = absent); validated here. */
struct pa_audit_query {
	const char *limit, *cursor, *subject, *actor, *action;
	bool security; /* the security events: accounts and log-ins (auth.…, user.…) alone */
};
/* A page of the audit log, newest first: the auditor's (audit_read, whole city) only; its
 * security events, the security administrator's (security_admin) only. */
enum pa_err pa_audit_page(struct pa_app *app, const struct pa_actor *a,
			  const struct pa_audit_query *q, struct pa_jw *out);

/* ---- cases (cases.c) ---- */
/* Case operations write their JSON answer into out. body: the request JSON; idem_key
 * may be NULL. create answers with the case as created (201). */
enum pa_err pa_case_create(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *idem_key, struct pa_jw *out);
enum pa_err pa_case_read(struct pa_app *app, const struct pa_actor *a, int64_t id,
			 struct pa_jw *out);
enum pa_err pa_case_act(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			const char *idem_key, struct pa_jw *out);
/* Query parameters as given (NULL = absent); validated here. */
struct pa_case_query {
	const char *status, *region, *category, *type, *q, *limit, *cursor;
	const char *person; /* an ID number or phone: that person's cases (blind index) */
	const char *queue;  /* a workbench queue (queues.c): to_sign, in_hand … */
	const char *sort;   /* an order other than newest first (case_sort.c) */
};
/* case_sort.c: f's order from ?sort= (NULL: newest first) and its place from ?cursor= in
 * that order's form (for newest first the caller reads the cursor); BAD_QUERY naming sort
 * or cursor. */
enum pa_err pa_case_sort_parse(const char *sort, const char *cursor, struct pa_case_filter *f);
/* The cursor of the page after the one whose last row is last, in f's order. */
void pa_case_sort_cursor(const struct pa_case_filter *f, const struct pa_case_row *last, char *out,
			 size_t cap);
enum pa_err pa_case_search(struct pa_app *app, const struct pa_actor *a,
			   const struct pa_case_query *q, struct pa_jw *out);
/* queues.c: narrow f to the caller's workbench queue name (to_sign, in_hand, to_verify,
 * overdue, supervised, sent_back, callback); BAD_QUERY naming queue if there is none. */
struct pa_case_filter;
enum pa_err pa_queue_apply(const struct pa_app *app, const struct pa_actor *a, const char *name,
			   struct pa_arena *ar, struct pa_case_filter *f);
/* queues.c: {items: [{queue, count}]} — how many of the caller's cases each queue holds. */
enum pa_err pa_queues_count(struct pa_app *app, const struct pa_actor *a, struct pa_jw *out);
/* personal.c: seal a new case's personal data in place before case_insert — its parties
 * and phone fields become sealed copies in a, its seal id and blind indexes are set (every
 * writer of cases calls it: intake, the demo). */
enum pa_err pa_case_seal(const struct pa_app *app, struct pa_arena *a, struct pa_case_in *in);
/* personal.c: the case's parties and fields unmasked, for a role with pii_reveal, with
 * {reason}; audited in the same transaction. A protected reporter stays hidden from the
 * roles its type does not name. */
enum pa_err pa_case_reveal(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			   struct pa_jw *out);
/* case_render.c: with f (the facts of the case for a: pa_case_facts_load) the full case —
 * description, fields, parties (masked), steps and the actions a may take; without, the
 * case as a list shows it, with its bulk_actions. */
void pa_render_case(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
		    const struct pa_case_row *c, const struct pa_case_facts *f);
/* The condition a case's actions are judged by, from its row. */
struct pa_case_cond pa_case_cond_row(const struct pa_case_row *c);
/* The full case without the caller's actions: the same for every caller, so cacheable. */
void pa_render_case_shared(struct pa_jw *w, const struct pa_catalog *cat,
			   const struct pa_case_row *c);
/* Whether one rendering serves every reader of cases of this type (none is hidden from
 * some readers, such as a protected reporter): only then is it cached. */
bool pa_case_shared_ok(const struct pa_catalog *cat, const char *type);
/* What whether an actor may act on a case is judged by (may.c): the case's type, state
 * and condition, who holds it, who reported it, which unit handled it, and whether the
 * actor's unit lies above the holder. */
struct pa_case_facts {
	const char *type, *status;
	struct pa_case_cond cond;
	int64_t holder;      /* the unit holding the case (0: none) */
	int64_t reporter_id; /* the account that reported it (0: none — the portal, the system) */
	int64_t handled_by;  /* the unit that handled it (0: none yet) */
	bool above;          /* the actor's unit lies above the holder (its region contains the
			      * holder unit's region and is larger) */
};
/* The facts of case id for this actor: what the caller read of it (type, state, holder,
 * condition; the strings must outlive f) and the store's case_who (one query). */
enum pa_err pa_case_facts_load(struct pa_db *db, const struct pa_catalog *cat,
			       const struct pa_actor *a, int64_t id, const char *type,
			       const char *status, int64_t holder, const struct pa_case_cond *cond,
			       struct pa_case_facts *f);
/* THE predicate: may this actor take this action on this case now? PA_OK (and the
 * transition into *out, which may be NULL), or the refusal with its reason set as by
 * pa_errf: BAD_FIELD (no such action), FORBIDDEN (the role may never take it, or not from
 * this state, or the lifecycle's needs of holder, above, not_reporter, not_handler rule the
 * actor out), ACTION_NOT_ALLOWED (not in this state, or the case's condition rules it out).
 * The action itself, the actions a case offers, the bulk actions of lists and the queues
 * all judge by it. */
enum pa_err pa_may_act(const struct pa_catalog *cat, const struct pa_actor *a,
		       const struct pa_case_facts *f, const char *action,
		       const struct pa_transition **out);
/* Whether a case arriving in state `state` at unit `unit` has someone there to take it on:
 * an account of the unit, not disabled, whose role may take an action of the state that
 * only the holder takes. BAD_FIELD (unit_id) naming why if not; PA_OK when the state asks
 * nothing of its holder. */
enum pa_err pa_unit_may_take(struct pa_db *db, const struct pa_catalog *cat,
			     const struct pa_lifecycle *lc, int state, int64_t unit);
/* "actions": the actions this caller may take now on the case (pa_may_act); and
 * "may_attach": whether they may add files to it (pa_may_attach). */
void pa_render_actions(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
		       const struct pa_case_facts *f);
/* queues.c: the workbench queue (to_accept, to_sign …) whose kind of action transition tr
 * is when taken in state from of lifecycle lc, judged by the lifecycle's phases, state
 * kinds and effects alone; NULL for the actions beside the main line (urgent, link …). */
const char *pa_queue_of(const struct pa_lifecycle *lc, const struct pa_transition *tr, int from);
/* stats.c: query parameters as given (NULL = absent). */
struct pa_stats_query {
	const char *region, *from, *to, *group;
};
enum pa_err pa_stats_get(struct pa_app *app, const struct pa_actor *a,
			 const struct pa_stats_query *q, json_t **out);
/* The months of q's period (from, to as YYYYMM; the current month by default), checked. */
enum pa_err pa_stats_months(const struct pa_stats_query *q, int *from, int *to);
void pa_stats_month_text(int ym, char buf[16]);
/* The indicators of the event rows of one group key (every row with key NULL). */
json_t *pa_stats_group(json_t *rows, const char *key, const struct pa_catalog *cat);

/* ---- ranking.c ---- */
/* The children of q->region (by default the caller's city) ranked on the assessed
 * indicators of data/assessment.conf over q's period: published to the whole city. */
enum pa_err pa_stats_ranking(struct pa_app *app, const struct pa_actor *a,
			     const struct pa_stats_query *q, json_t **out);
/* Load datadir/assessment.conf into app (at open). */
enum pa_err pa_assessment_load(struct pa_app *app, const char *datadir);
void pa_assessment_free(struct pa_app *app);

/* ---- deadlines.c ---- */
/* The clock after a case moves from state from (-1 on intake) to state to at time at. */
void pa_clock_after(const struct pa_app *app, const struct pa_lifecycle *lc,
		    const struct pa_profile *p, int tier_before, int tier_after, int from, int to,
		    int64_t at, int ext_days, const struct pa_clock *before,
		    struct pa_clock *after);
/* Recompute the deadlines and next_due of a running clock. */
void pa_clock_dues(const struct pa_app *app, const struct pa_profile *p, enum pa_tier tier,
		   enum pa_phase ph, int ext_days, struct pa_clock *c);
/* What a step from state from to state to does to the watch on a watched date. */
enum pa_watch_set pa_watch_after(const struct pa_lifecycle *lc, int from, int to);

/* ---- metrics.c ---- */
/* Fill st->stats with what a step from state from to state to changes in the statistics
 * (ac NULL for the sweeper's own marks; p may be NULL). */
void pa_step_stats(const struct pa_lifecycle *lc, const struct pa_action *ac, int from, int to,
		   const struct pa_case_head *h, const struct pa_case_patch *p,
		   struct pa_step_in *st);

/* ---- supervision by the clock (sweeper.c) ---- */
struct pa_sweep_result {
	int looked; /* cases judged: phase clocks due and watched dates passed */
	int yellow, red, escalated;
	int late;       /* manual supervisions without their report, marked */
	int watch_late; /* watched dates passed (整改逾期), marked */
	int forgotten;  /* idempotency keys past their retention, removed */
	int sessions;   /* sessions ended (by their limits) since, removed */
};
/* Mark yellow and red supervision on the cases due by `now`, and escalate where the
 * profile says so; mark the watched dates passed by `now` on cases still being handled,
 * and the manual supervisions left without their report. Needs the writer. */
enum pa_err pa_sweep(struct pa_app *app, int64_t now, struct pa_sweep_result *res);
/* Judge one case's phase clock as the sweeper does at time now — its yellow and red notices
 * — on db, in the caller's transaction, escalating nothing: the demo's history gets the
 * notices a sweeper would have made where its steps came late. */
enum pa_err pa_sweep_case(struct pa_app *app, struct pa_db *db, int64_t id, int64_t now);

/* The public progress of a case followed by its query code (no log-in): its number, type,
 * status and stages with dates, nothing about the people in it. */
enum pa_err pa_case_track(struct pa_app *app, const char *code, struct pa_jw *out);
void pa_query_hash(const char *code, char out[65]);
/* The case a query code names (BAD_QUERY for what is no code, NOT_FOUND for none). */
enum pa_err pa_case_by_code(struct pa_app *app, const char *code, int64_t *id);
/* The action of the case's lifecycle by which the portal rates it (into action[cap]). */
enum pa_err pa_case_rate_action(struct pa_app *app, int64_t id, char *action, size_t cap);

/* ---- the public portal (portal.c): residents, no account ---- */
/* Report a case of a type open to residents (portal = yes) over the channel "online":
 * 201 with its number and its query code — given once, and again only to the same
 * report sent again with the same Idempotency-Key (idem_key, NULL: none; a random value
 * of at least PA_PORTAL_KEY_MIN characters: every resident shares the portal's actor). */
#define PA_PORTAL_KEY_MIN 16
enum pa_err pa_portal_submit(struct pa_app *app, json_t *body, const char *idem_key,
			     struct pa_jw *out);
/* What the portal's form needs: {items: the types residents report, cities: [{code, name,
 * lng, lat}] — every city of the database —, and grids: [{code, name, boundary}]} — the
 * grids of city (NULL: of the only city there is) to point at on a map. With several
 * cities and no city given, grids is empty: the resident picks a city first. NOT_FOUND
 * for a city the database does not hold. */
enum pa_err pa_portal_catalog(struct pa_app *app, const char *city, json_t **out);
/* Rate a closed case by its query code {code, rating, note}, once. */
enum pa_err pa_portal_rate(struct pa_app *app, json_t *body, struct pa_jw *out);

/* ---- fraud warnings (warnings.c) ---- */
/* Issue a warning to the grid workers of the chosen grids (201 answer in out). */
enum pa_err pa_warning_issue(struct pa_app *app, const struct pa_actor *a, json_t *body,
			     const char *idem_key, struct pa_jw *out);
/* A warning's tasks and how many are confirmed. */
enum pa_err pa_warning_progress(struct pa_app *app, const struct pa_actor *a, int64_t id,
				json_t **out);

/* ---- attachments (attachments.c) ---- */
/* Whether a role may add files to cases of a type: those who may report such cases. */
bool pa_may_attach(const struct pa_catalog *cat, const char *type, const struct pa_role *role);
/* Keep a file on the case (201 answer in out). name and idem_key may be NULL; a repeated
 * key gets the first answer and adds nothing. */
enum pa_err pa_attachment_add(struct pa_app *app, const struct pa_actor *a, int64_t case_id,
			      const char *name, const char *data, size_t n, const char *idem_key,
			      struct pa_jw *out);
/* Where an attachment of a case the caller may read is kept, its type and name. */
enum pa_err pa_attachment_file(struct pa_app *app, const struct pa_actor *a, int64_t case_id,
			       const char *sha, char path[1200], char mime[32], char name[256]);

/* ---- printed documents (documents.c) ---- */
/* Which documents a case prints besides its dossier and when (data/documents.conf):
 * loaded and checked at start, after the catalog (file:line: field: problem). */
enum pa_err pa_documents_load(struct pa_app *app, const char *datadir);
void pa_documents_free(struct pa_app *app);
/* A case's document as PDF: kind "dossier" (卷宗) or a code of documents.conf — CONFLICT
 * when the case's history does not call for it (yet). The agreement (人民调解协议书)
 * prints the parties in full: only a role with pii_reveal may, giving a reason (4
 * characters or more), and it is audited as pii.reveal; the others as case.print. *pdf
 * is malloc'd; name gets the download name. */
enum pa_err pa_case_document(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     const char *kind, const char *reason, char **pdf, size_t *len,
			     char name[160]);
/* {case_id, documents: [{code, name, available, reveal, may_print}]}: what the case
 * prints now, for a caller who may read it. */
enum pa_err pa_case_documents(struct pa_app *app, const struct pa_actor *a, int64_t id,
			      struct pa_jw *w);

/* ---- catalog and regions (catalog_json.c) ---- */
json_t *pa_case_types_json(const struct pa_catalog *cat);
/* Whether every grid of the database lies in the cities a scope of region sees (core/city.h):
 * the database holds no city but those. */
bool pa_app_within_scope(const struct pa_app *app, const char *region);
/* A region code is 2 (a province), 6, 9, 12 or 15 digits. */
bool pa_region_code_valid(const char *code);
/* True if code lies in the subtree of region. */
bool pa_region_within(const char *code, const char *region);

/* ---- which server a read goes to (reads.c) ---- */
/* A user's request that may have written has been answered: what it wrote is committed. */
void pa_app_wrote(struct pa_app *app, int64_t user_id);
/* A connection for a read that may lag the writer by the replication delay — a list, a
 * search, a dashboard: to the replica if there is one (--db-replica) and it has replayed
 * everything user_id wrote, else to the primary (each user reads their own writes).
 * *from gets the store to give it back to; NULL if none could be had. */
struct pa_db *pa_app_list_acquire(struct pa_app *app, int64_t user_id, struct pa_store **from);

/* Run such a read for actor a (struct pa_actor *). What a caller reads back after
 * writing it stays on PA_WITH_READ. */
#define PA_WITH_LIST_READ(app, a, db, rc, ...)                                        \
	do {                                                                          \
		struct pa_store *from_;                                               \
		struct pa_db *db = pa_app_list_acquire((app), (a)->user.id, &from_);  \
		if (!db) {                                                            \
			rc = pa_err_last()->code ? pa_err_last()->code : PA_STORE_IO; \
			break;                                                        \
		}                                                                     \
		__VA_ARGS__;                                                          \
		pa_store_release(from_, db);                                          \
	} while (0)

/* Run a read with a pooled connection. */
#define PA_WITH_READ(app, db, rc, ...)                                                \
	do {                                                                          \
		struct pa_db *db = pa_store_acquire((app)->store);                    \
		if (!db) {                                                            \
			rc = pa_err_last()->code ? pa_err_last()->code : PA_STORE_IO; \
			break;                                                        \
		}                                                                     \
		__VA_ARGS__;                                                          \
		pa_store_release((app)->store, db);                                   \
	} while (0)

#endif
