/* internal.h: what the service's own files share and nothing outside them uses. */
#ifndef PA_SERVICE_INTERNAL_H
#define PA_SERVICE_INTERNAL_H

#include "service/app.h"

/* ---- idem.c ---- */
struct idem {
	const char *key; /* NULL: no idempotency */
	int64_t user_id;
	char hash[65];
	bool replayed;
	const struct pa_seal_key *seal; /* the kept answer is sealed, the request hash keyed */
};

/* Check the key and fingerprint the request (what: method and path; body: its JSON). */
enum pa_err idem_prepare(struct idem *im, const struct pa_app *app, const struct pa_actor *a,
			 const char *key, const char *what, json_t *body);
/* First thing in a job: empties out (a job may run twice), then NOT_FOUND when the key is
 * new (or there is none); PA_OK with the stored answer written to out; CONFLICT when the
 * key was used for a different request. */
enum pa_err idem_lookup(struct pa_db *db, struct idem *im, struct pa_jw *out);
/* In a job: keep the answer with the change. */
enum pa_err idem_store(struct pa_db *db, struct idem *im, int status, const struct pa_jw *answer);
/* Read a case back as the caller sees it and render it into out. */
enum pa_err render_back(struct pa_db *db, const struct pa_app *app, const struct pa_actor *a,
			int64_t id, struct pa_jw *out);

/* ---- auth.c / login.c: accounts and sessions ---- */
/* An audit record of accounts and log-ins, in the caller's transaction (actor 0 = nobody
 * known); detail is a JSON object, taken over. */
enum pa_err login_audit(struct pa_db *db, int64_t actor, const char *action, const char *subject,
			json_t *detail, int64_t at);
/* Check a password against its argon2id hash, a few at a time (each takes 64 MiB). */
enum pa_err password_verify(const char *hash, const char *password, bool *ok);
enum pa_err actor_from(const struct pa_app *app, const struct pa_user *u, struct pa_actor *a);
void token_hash(const char *token, uint8_t out[32]);
/* A session's name in the audit log: the first 8 bytes of its token's hash in hex, enough to
 * pair a log-in with its log-out, nothing to log in with. Written into buf[17]. */
const char *session_name(const uint8_t hash[32], char buf[17]);
/* Forget cached sessions: one token's, or every one of a user's (their sessions ended). */
void session_forget(const char *token);
void sessions_forget_user(int64_t user_id);
/* Count a failed check of a password or code under username (user_id 0: no such account)
 * towards its lock, with its audit records; returns what to answer: `answer`, or
 * ACCOUNT_LOCKED if this failure locked it. reason: password, no_account, otp … */
enum pa_err login_failed(struct pa_app *app, const char *username, int64_t user_id,
			 const char *reason, const char *from, enum pa_err answer);
/* A second factor's key sealed for the store under the personal-data key, bound to its
 * account (in arena a); and opened again (PA_INTERNAL if it was altered or moved). */
const char *totp_key_seal(const struct pa_app *app, struct pa_arena *a, int64_t user_id,
			  const uint8_t key[20]);
enum pa_err totp_key_open(const struct pa_app *app, int64_t user_id, const char *sealed,
			  uint8_t key[20]);
/* The hex SHA-256 a recovery code is kept as (read leniently: case, dashes, look-alikes). */
void recovery_hash(const char *code, char out[65]);
/* ACCOUNT_LOCKED (with Retry-After) if username is locked now, else PA_OK. */
enum pa_err login_locked(struct pa_app *app, const char *username, int64_t user_id,
			 const char *from);
/* ---- personal.c ---- */
/* Open a case row's sealed personal data in place (copies in a). */
enum pa_err pa_case_unseal(const struct pa_app *app, struct pa_arena *a, struct pa_case_row *row);
/* case_get, then pa_case_unseal: every read of a case that shows its people goes here. */
enum pa_err pa_case_get_open(struct pa_db *db, const struct pa_app *app, const struct pa_scope *s,
			     int64_t id, struct pa_arena *a, struct pa_case_row *out);
/* The blind index of the person a query names (an ID number or a phone). */
enum pa_err pa_person_index(const struct pa_app *app, const char *who, char out[65]);
/* At start-up on a writer connection, after migrating: key file, probe, sealing of old
 * cases; and at close. */
/* The catalog's rules for the store's check and recount (check_rules.c), in arena a. */
void pa_check_rules_of(const struct pa_catalog *cat, struct pa_arena *a, struct pa_check_rules *r);

enum pa_err pa_pii_start(struct pa_app *app, struct pa_db *w, const char *dburl,
			 const char *key_path);
void pa_pii_close(struct pa_app *app);

/* ---- attachments.c ---- */
/* Where the file of an attachment is kept: files_dir/ab/cd/abcd…; path made whole (mkdir
 * -p); a directory's entries synced to disk. */
void pa_file_path(const char *files_dir, const char *sha, char *out, size_t cap);
enum pa_err pa_mkdirs(const char *path);
void pa_sync_dir(const char *dir);

/* ---- routing.c ---- */
/* Put the routing table in force at start-up (pa_app_open), recording routing.conf as a
 * new version first when it changed; free every table at close. */
enum pa_err routing_start(struct pa_app *app);
void routing_close(struct pa_app *app);
/* The hex SHA-256 of a version's text. */
void routing_sha256(const char *text, char out[65]);
/* In a transaction: the audit record of a version just added (replaces: the latest before
 * it, 0 = none). */
enum pa_err routing_audit(struct pa_db *db, const struct pa_routing_version *v, int64_t replaces);

/* ---- cases.c ---- */
/* The unit a routing rule sends a new case in grid to (its name into name). */
enum pa_err pa_route_target(struct pa_db *db, const struct pa_routing_rule *r, const char *grid,
			    int64_t *unit, char name[128]);
/* A whole-number query parameter from lo to hi (BAD_QUERY naming it otherwise). */
enum pa_err query_int(const char *s, long long lo, long long hi, const char *name, long long *out);
/* Open a page {"items": [… */
void page_begin(struct pa_jw *out);
/* Close a page {"items": [… and give its "next_cursor" (null when next is 0). */
void page_end(struct pa_jw *out, int64_t next);
enum pa_err pa_check_fields(const struct pa_field *list, int n, json_t *obj, const char *prefix,
			    const char *what);

/* ---- actions.c / effects.c ---- */
/* What an action request carries besides its name. */
struct pa_act_params {
	const char *note, *rating, *tier;
	json_t *record; /* the record an action with the "record" effect keeps */
	int64_t unit_id, target_case;
	int days;
};

/* What an effect decides before the step is written, and does after it. */
struct pa_effect_ctx {
	struct pa_app *app;
	struct pa_db *db;
	const struct pa_actor *actor;
	const struct pa_case_head *head;
	const struct pa_action *action;
	const struct pa_lifecycle *lc;
	const struct pa_casetype *type;
	const struct pa_act_params *p;
	struct pa_step_in *step;
	struct pa_case_patch *patch;
	/* filled by pa_effect_prepare for pa_effect_finish */
	const char *link_kind;
	int64_t link_case;
	bool supervise;
	int64_t due_at;
	char *record_json; /* malloc'd; written by pa_effect_finish */
	/* a record that did not pass (its "pass" rule): the case goes to fail_to instead of
	 * where the transition leads, and the step's note says why */
	bool failed;
	int fail_to;
	char note[8192]; /* a note of 2000 characters (6000 bytes) and the reason before it */
};

enum pa_err pa_effect_prepare(struct pa_effect_ctx *x);
/* Whether an effect can apply to a case in this condition (NULL = it can); the reason
 * otherwise. The actions a case page offers are filtered by the same test. */
const char *pa_effect_blocked(enum pa_effect e, const struct pa_case_cond *c, bool has_record);
enum pa_err pa_effect_finish(struct pa_effect_ctx *x);

/* ---- effects.c ---- */
/* The centre of a tier (village, town or city) where a grid lies. */
enum pa_err pa_centre_of(struct pa_db *db, const char *grid, enum pa_tier tier, int64_t *unit,
			 char *name, size_t cap);

/* case_render.c: the name of a step's action (the lifecycle's, or the system's own). */
const char *pa_step_action_name(const struct pa_casetype *t, const char *code);

/* The condition a case's actions are judged by (effects.c), from its head. */
static inline struct pa_case_cond pa_case_cond_of(const struct pa_case_head *h)
{
	return (struct pa_case_cond){.tier = h->tier,
				     .urgent = h->urgent != 0,
				     .rated = h->rating[0] != 0,
				     .unreasonable = h->unreasonable,
				     .ext_pending = h->ext_pending,
				     .open_supervisions = h->open_supervisions};
}

/* queues.c: a page of queue `name` (f narrowed by pa_queue_apply, f->limit its length)
 * read from db: the rows the caller may act on, *after the row the next page goes on
 * after (NULL: none left). f's cursor is moved as candidates are read. */
enum pa_err pa_queue_page(struct pa_db *db, const struct pa_app *app, const struct pa_actor *a,
			  const char *name, struct pa_case_filter *f, struct pa_arena *ar,
			  struct pa_case_row **rows, int *n, const struct pa_case_row **after);

static inline const char *state_name(const struct pa_lifecycle *lc, const char *code)
{
	int i = pa_lifecycle_state(lc, code);
	return i >= 0 ? lc->states[i].name : code;
}

#endif
