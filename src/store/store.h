/* store.h: the store interface. A backend (sqlite.c now, pg.c next) fills a
 * struct pa_store_ops; everything above calls through it and never sees SQL.
 *
 * Connections: pa_store_acquire() lends a read connection from a pool (any thread);
 * writes run only on the writer's connection, inside the writer's transaction
 * (see writer.h), so the write methods assume a transaction is open.
 * Read methods that return JSON give a new reference the caller must json_decref. */
#ifndef PA_STORE_H
#define PA_STORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/audit.h"

#define PA_CODE_MAX 16

/* Who is asking: every read and list is bounded by this inside the query. */
struct pa_scope {
	char region[PA_CODE_MAX]; /* region subtree (prefix of grid codes) */
	int64_t unit_id;          /* with by_unit: only cases that passed through this unit */
	bool by_unit;
};

/* The clock of a case's current phase (0 = not set). */
struct pa_clock {
	int64_t started, due_yellow, due_red, paused_at, next_due;
	int paused_days;     /* working days spent paused in this phase */
	int64_t paused_secs; /* clock seconds spent paused (for hour limits) */
	char level[8];       /* supervision reached: none, yellow, red */
};

struct pa_user {
	int64_t id;
	char username[64];
	char role[32];
	char region[PA_CODE_MAX];
	int64_t unit_id; /* 0 = none */
	char name[64];
	char unit_name[128];
	int64_t session_expires; /* from session_user: when the session ends at the latest, */
	int64_t session_seen;    /* when it was last used (as last recorded), */
	unsigned session_needs;  /* and what it must do before anything else (PA_NEEDS_*) */
};

/* What a session must do before it may do anything else. */
#define PA_NEEDS_PASSWORD 1u /* replace a password someone else set */
#define PA_NEEDS_TOTP     2u /* enrol the second factor its role requires */

/* What log-in checks beside the password, kept with the user. */
struct pa_user_auth {
	char pw_hash[128];
	bool totp_on;           /* a confirmed second factor: */
	char totp_secret[128];  /* its key (RFC 6238, HMAC-SHA-1), sealed (core/seal.h) */
	bool totp_pending;      /* a key handed out, awaiting its first code: */
	char totp_next[128];    /* that key, sealed */
	int64_t totp_last_step; /* the last time step a code was taken for (no replays) */
	bool totp_exempt;       /* a demo account: no second factor asked */
	bool must_change;       /* the password was set by someone else */
	int recovery_left;      /* recovery codes not yet used */
};

/* Failed log-ins under one username (whether or not an account has it). */
struct pa_login_failures {
	int failures;         /* in the window that began at first_at */
	int64_t first_at;     /* 0 = none recorded */
	int64_t locked_until; /* 0 = not locked */
};

/* An account as administrators list it; strings in the arena passed to the read. */
struct pa_user_row {
	int64_t id, unit_id, created_at, locked_until;
	const char *username, *name, *role, *region, *unit_name;
	bool totp_on, totp_exempt, must_change, disabled;
	int failures;
};

/* Every region, unit, user and case belongs to the city of its region code (core/city.h),
 * kept beside it; every read of cases is bounded by the reader's city as well as region. */
struct pa_region_in {
	const char *code, *parent, *kind, *name;
	int level; /* 0 province, 1 city, 2 town, 3 village, 4 grid */
	double lng, lat;
	const char *boundary; /* grids: JSON ring [[lng,lat],...]; else NULL */
};

struct pa_unit_in {
	const char *code, *name, *kind, *region, *tier;
	int64_t by;       /* who adds or changes it (0: pingan itself, a command) */
	const char *from; /* and from which address (NULL: none) */
};

struct pa_user_in {
	const char *username, *pw_hash, *role, *region, *name;
	int64_t unit_id;
	int64_t created_at;
	bool must_change; /* the password was set by someone else: replaced at first log-in */
	bool totp_exempt; /* a demo account: no second factor asked */
	int64_t by;       /* who adds it (0: pingan itself, a command) */
	const char *from; /* and from which address (NULL: none) */
};

struct pa_party_in {
	const char *role, *name, *id_number, *phone, *address;
};

struct pa_case_in {
	const char *type, *category, *status, *title, *description, *grid, *channel, *address;
	const char *tier; /* village, town or city: the tier of the unit that holds it first */
	const char *routing_rule, *profile;
	int64_t routing_version; /* of the rules routing_rule belongs to; 0 = none */
	const char *query_hash;  /* hex SHA-256 of the reporter's query code, or NULL */
	bool uncounted;          /* no "reported" event (a task: see indicators = no) */
	struct pa_clock clock;
	int64_t watch_due;       /* the end of the date its type watches (unix), 0 = none */
	bool watch_open;         /* and whether its state is one the date is watched in */
	const char *fields_json; /* type-specific fields as a JSON object */
	const char *search;      /* normalised search text */
	double lng, lat;
	int64_t unit_id;     /* unit that holds it first */
	int64_t from_unit;   /* reporter's unit, 0 = none */
	int64_t reporter_id; /* 0 = none */
	int64_t at;
	int year;
	int nparties;
	const struct pa_party_in *parties;
	/* personal data arrives sealed (core/seal.h): the case's seal id, named by the sealed
	 * values' associated data, and the blind indexes of the people in it */
	const char *seal_id;
	int npersons;
	const char *const *persons;
	const char *action, *note; /* the creating step */
};

struct pa_case_ref {
	int64_t id;
	char number[32];
};

/* The parts of a case the domain needs to decide on an action. */
struct pa_case_head {
	int64_t id;
	int64_t version; /* bumped by every change to the case, its parties or its steps */
	char type[32], category[32], status[32], grid[PA_CODE_MAX], tier[16], profile[32];
	char channel[32];
	int64_t unit_id;
	int urgent, ext_pending, ext_days, overdue;
	int open_supervisions; /* manual supervisions still waiting for their report */
	char rating[24];
	bool unreasonable;
	struct pa_clock clock;
	/* the date its type watches: its end (0 = none), whether it is watched in the case's
	 * state, and when the sweeper marked it passed (0 = not) */
	int64_t watch_due, watch_marked;
	bool watch_open;
	/* its cohort in the statistics: when it was reported and the unit it was reported to
	 * (0 = none), as its `reported` event was counted */
	int64_t reported_at, entry_unit;
};

/* A change to the statistics made with a step: metric += delta, either an event in the
 * month of the step (stat_month) or, with snapshot, a count of cases as they are now
 * (stat_counts, beside the counts by status), or, with cohort, an event counted in the
 * month and for the unit of the case's report (the cohort the rates divide by: see
 * docs/statistics.md). */
struct pa_stat_delta {
	const char *metric;
	int delta;
	bool snapshot;
	bool sender; /* counted for the unit the step came from, not the one it went to */
	bool cohort; /* counted in the month of the report, for the unit reported to */
};
#define PA_MAX_STAT_DELTAS 8

/* Whether a step changes whether the case's watched date is watched. The zero value keeps
 * it, so a patch that does not know of the watch leaves it alone. */
enum pa_watch_set { PA_WATCH_KEEP, PA_WATCH_ON, PA_WATCH_OFF };

/* Who stands where on a case (case_who): the account that reported it (0: none — the
 * portal, the system); the unit that handled it — the from_unit of its last step that left
 * a handle-phase state for a state of another phase (the feedback, the reply; 0: none
 * yet); the regions of the unit holding it and of the actor's unit ("" when none). */
struct pa_case_who {
	int64_t reporter_id, handled_by;
	char holder_region[PA_CODE_MAX], actor_region[PA_CODE_MAX];
};

/* Changes to a case beside its state and unit, made with a step. */
struct pa_case_patch {
	const char *tier;             /* NULL: unchanged */
	int urgent;                   /* -1: unchanged; 0 or 1 */
	int ext_pending;              /* -1: unchanged; days asked for (0 = none pending) */
	int ext_add;                  /* days added to the approved extension */
	const char *rating;           /* NULL: unchanged */
	int unreasonable;             /* -1: unchanged; 0 or 1 */
	int64_t merged_into;          /* 0: unchanged */
	const struct pa_clock *clock; /* NULL: unchanged */
	bool mark_overdue;            /* it has passed a red limit (never cleared) */
	bool clear_rating;            /* reopened: the next closing is rated afresh */
	enum pa_watch_set watch;      /* on only if the case has a watched date */
	int64_t watch_marked;         /* 0: unchanged; when the sweeper marked the date passed */
	const char *routing_rule;     /* NULL: unchanged; routed again by this rule … */
	int64_t routing_version;      /* … of this version of the rules … */
	const char *profile;          /* … whose limit profile the clock now follows */
};

struct pa_step_in {
	int64_t case_id;
	const char *action, *from_state, *to_state, *note;
	int64_t from_unit, to_unit, actor_id, at;
	/* for the counters */
	const char *type, *category, *grid;
	const struct pa_case_patch *patch; /* NULL: nothing beside state and unit */
	int nstats;
	struct pa_stat_delta stats[PA_MAX_STAT_DELTAS];
	int64_t cohort_at, cohort_unit; /* the case's report, for the cohort deltas */
};

/* A case as read back; strings live in the arena passed to the read. */
struct pa_party_row {
	const char *role, *name, *id_number, *phone, *address;
};

struct pa_step_row {
	const char *action, *from_state, *to_state, *note;
	const char *from_unit_name, *to_unit_name, *actor_name, *actor_role;
	int64_t from_unit, to_unit, actor_id, at;
};

struct pa_link_row {
	int64_t other_id;
	const char *kind, *number, *title, *status;
};

struct pa_record_row {
	const char *kind, *data, *actor_name; /* data: a JSON object */
	int64_t at;
};

struct pa_attachment_row {
	const char *sha256, *mime, *name, *actor_name;
	int64_t size, at;
};

struct pa_supervision_row {
	const char *level, *note, *by_name, *report;
	int64_t at, due_at, reported_at;
	bool late;
};

struct pa_case_row {
	int64_t id, version, unit_id, reporter_id, created_at, updated_at;
	const char *number, *type, *category, *status, *title, *grid, *grid_name, *channel,
		*unit_name, *tier;
	double lng, lat;
	bool urgent;
	/* lists too (what the case's actions are judged by): ext_pending, rating and
	 * unreasonable below; the rest of this part in full reads only (case_get): */
	int ext_pending, ext_days;
	const char *routing_rule, *profile;
	int64_t routing_version; /* 0 = none recorded */
	const char *query_code;  /* only in the answer to the report that made it */
	struct pa_clock clock;
	int64_t watch_due, watch_marked; /* as in pa_case_head (lists too) */
	bool watch_open;
	bool unreasonable;
	const char *rating;
	int64_t merged_into;
	int nlinks, nsupervisions, nrecords, nattachments;
	struct pa_attachment_row *attachments;
	struct pa_record_row *records;
	struct pa_link_row *links;
	struct pa_supervision_row *supervisions;
	/* full reads only (case_get); NULL / 0 in lists */
	const char *description, *address, *fields;
	const char *seal_id; /* NULL for a case from before sealing */
	int nparties, nsteps;
	struct pa_party_row *parties;
	struct pa_step_row *steps;
};

/* A recorded version of the routing rules: as added (version assigned), or as read back
 * (strings in the arena passed to the read). */
struct pa_routing_version {
	int64_t version;
	const char *rules;                    /* the full text; NULL in lists */
	const char *sha256, *source, *reason; /* source: "file" or "api" */
	int64_t actor_id;                     /* 0 = none (the file) */
	const char *actor_name;               /* read back */
	int64_t at;
};

/* An entry of the audit log (audit.h): who did what to what; detail is a JSON object
 * (NULL = {}) without personal data. */
struct pa_audit_in {
	int64_t actor_id; /* 0 = pingan itself (start-up, the sweeper, a command) */
	int64_t at;
	const char *action, *subject, *detail;
};

/* A mark on the chain: the head (idx = rows in the log, mac = the last row's) or a
 * checkpoint (row idx had mac), with its own tag (pa_audit_mark_tag). */
struct pa_audit_mark {
	int64_t idx;
	uint8_t mac[PA_AUDIT_MAC_BYTES], tag[PA_AUDIT_MAC_BYTES];
};

struct pa_audit_marks {
	bool has_head;
	struct pa_audit_mark head;
	char alg[24]; /* the algorithm the head names */
	int ncheckpoints;
	struct pa_audit_mark *checkpoints; /* in index order; valid until audit_read returns */
};

/* How audit_read hands the chain over: first the marks, to which start answers the index
 * to read rows from; then each row from there in index order (strings valid during the
 * call). A non-zero return stops the read and is returned by it. */
struct pa_audit_reader {
	int64_t (*start)(void *arg, const struct pa_audit_marks *m);
	enum pa_err (*row)(void *arg, const struct pa_audit_row *r);
	void *arg;
};

/* A page of the log for the auditor: rows below before (0 = from the newest), newest
 * first, of one subject, actor (0 = any) or action (as given or its dotted prefix: "case"
 * is every "case.…"); NULL = any. */
struct pa_audit_filter {
	int64_t before;
	int limit;
	const char *subject, *action; /* action: "case" is case and case.… */
	int64_t actor_id;
	/* and, when the first is set, only actions with one of these prefixes (the security
	 * events: "auth." and "user.") */
	const char *prefixes[2];
	/* and, when set, only rows of the cities of this region (store/city_sql.h): by an
	 * account of them, or about their cases, accounts, units or regions; rows of pingan
	 * itself about none of these (the chain's start, routing from the file) are shown. */
	const char *region;
};

struct pa_audit_entry {
	struct pa_audit_row row;
	const char *actor_name; /* the actor's username; NULL for pingan itself */
};

/* The order of a case list: newest first by id unless another is asked for. The others
 * go by a key (the red limit, no limit last; the last change; the creation) and then the
 * id, so ties keep one order from page to page. */
enum pa_case_sort {
	PA_SORT_NEWEST,
	PA_SORT_DUE,
	PA_SORT_UPDATED,
	PA_SORT_UPDATED_DESC,
	PA_SORT_CREATED,
	PA_SORT_CREATED_DESC,
};
/* The key of a case with no red limit in PA_SORT_DUE: after every limit. */
#define PA_SORT_NO_DUE INT64_MAX
/* Each order beside newest first as (order, its key over cases c, the comparison of (key,
 * id) past the cursor, the direction): both backends build their list statements from
 * this, and their indexes hold the same keys. */
#define PA_CASE_SORTS(X)                                                       \
	X(PA_SORT_DUE, "coalesce(c.due_red, 9223372036854775807)", ">", "ASC") \
	X(PA_SORT_UPDATED, "c.updated_at", ">", "ASC")                         \
	X(PA_SORT_UPDATED_DESC, "c.updated_at", "<", "DESC")                   \
	X(PA_SORT_CREATED, "c.created_at", ">", "ASC")                         \
	X(PA_SORT_CREATED_DESC, "c.created_at", "<", "DESC")

struct pa_case_filter {
	const char *status, *region, *category, *type, *q; /* NULL = any; q normalised */
	const char *person; /* NULL = any; else a blind index the case's people must have */
	int64_t before_id;  /* keyset cursor: ids below this; 0 = from the newest */
	int limit;
	/* A workbench queue (service/queues.c); NULL or 0 = no such condition. */
	const char *states;       /* a JSON array of the state codes the case may be in */
	int64_t holder_unit;      /* held by this unit now */
	int64_t red_before;       /* its red limit passed before this time, the clock running */
	bool supervised;          /* a yellow or red card, or a manual notice not yet reported */
	const char *last_actions; /* a JSON array: its last step was one of these actions */
	bool unrated;             /* no call-back rating yet */
	/* Another order than newest first: the list goes on after the row whose key and id
	 * were after_key and after_id (with has_after; before_id is then unused). */
	enum pa_case_sort sort;
	bool has_after;
	int64_t after_key, after_id;
};

/* The (key, id) a sorted list goes on after: the cursor, or on the first page past every
 * key in the order's direction. */
static inline void pa_case_sort_after(const struct pa_case_filter *f, int64_t *key, int64_t *id)
{
	bool desc = f->sort == PA_SORT_UPDATED_DESC || f->sort == PA_SORT_CREATED_DESC;
	*key = f->has_after ? f->after_key : desc ? INT64_MAX : INT64_MIN;
	*id = f->has_after ? f->after_id : desc ? INT64_MAX : INT64_MIN;
}

/* Backup, restore and check (pingan backup / restore / check). */
/* An attachment a case refers to: the file named by its SHA-256, of size bytes. A non-zero
 * return stops the walk and is returned by the operation. */
typedef enum pa_err (*pa_file_cb)(void *arg, int64_t case_id, const char *sha256, int64_t size);

struct pa_copy_cbs {
	void (*progress)(void *arg, int64_t done, int64_t total); /* may be NULL */
	pa_file_cb file; /* each attachment the copy refers to; may be NULL */
	void *arg;
};

/* What check holds the counters to, from the catalog: the case types whose cases count in
 * no indicator (indicators = no), and the states in which a case of a type is open (for
 * the count of open cases past red), as "type/state". */
struct pa_check_rules {
	const char *const *uncounted;
	int nuncounted;
	const char *const *open;
	int nopen;
};

struct pa_check_report {
	/* each problem found: area (integrity, schema, history, counters …) and what is wrong */
	void (*problem)(void *arg, const char *area, const char *message);
	pa_file_cb file; /* each attachment rows refer to, for the caller to verify; may be NULL */
	void *arg;
	/* filled by check */
	int schema_version;
	int64_t cases, steps, attachments, problems;
};

struct pa_db;
typedef void (*pa_grid_cb)(void *arg, const char *code, const char *name, const char *ring_json);

struct pa_store_ops {
	const char *name;
	enum pa_err (*open)(const char *url, bool writer, struct pa_db **out);
	void (*close)(struct pa_db *db);
	/* Apply pending migrations; from and to get the versions before and after. */
	enum pa_err (*migrate)(struct pa_db *db, int *from, int *to);
	enum pa_err (*version)(struct pa_db *db, int *version);

	/* Whether the last failure on db was one the same work run again may not meet: a
	 * serialization failure or a deadlock (PostgreSQL). NULL: none such (SQLite waits
	 * for its lock in busy_timeout instead). */
	bool (*transient)(struct pa_db *db);
	/* Where the write-ahead log is, in bytes (PostgreSQL's LSN): on a primary how far it
	 * was written (so it covers every commit made before the call), on a standby how far
	 * it was replayed (0 on a primary). NULL: the backend has no replicas (SQLite). */
	enum pa_err (*wal_position)(struct pa_db *db, bool replayed, uint64_t *lsn);

	/* transactions (writer connection) */
	enum pa_err (*begin)(struct pa_db *db);
	enum pa_err (*commit)(struct pa_db *db);
	void (*rollback)(struct pa_db *db);
	enum pa_err (*savepoint)(struct pa_db *db);
	void (*rollback_to)(struct pa_db *db); /* undo to the savepoint and release it */
	enum pa_err (*release)(struct pa_db *db);

	/* regions and units */
	enum pa_err (*region_put)(struct pa_db *db, const struct pa_region_in *r);
	enum pa_err (*region_get)(struct pa_db *db, const char *code, json_t **out);
	enum pa_err (*region_children)(struct pa_db *db, const char *parent, json_t **out);
	enum pa_err (*grids_each)(struct pa_db *db, pa_grid_cb cb, void *arg);
	enum pa_err (*unit_put)(struct pa_db *db, const struct pa_unit_in *u, int64_t *id);
	enum pa_err (*unit_get)(struct pa_db *db, int64_t id, json_t **out);
	/* Units of the region subtree (of kind, when not NULL) by id, from after (0 = the
	 * first) on, at most max, each with how many accounts it has ("users"); *next is the
	 * cursor of the page after (0 = none). Bounded by the cities of region too
	 * (store/city_sql.h): a province's "42" lists its cities' units. */
	enum pa_err (*unit_page)(struct pa_db *db, const char *region, const char *kind,
				 int64_t after, int max, json_t **items, int64_t *next);
	/* Give unit id u's name, kind and tier (its code and region stay), audited as
	 * unit.update by u->by from u->from with what it was; NOT_FOUND if there is none. */
	enum pa_err (*unit_update)(struct pa_db *db, int64_t id, const struct pa_unit_in *u);
	/* The unit of this kind whose region is exactly `region` (id, and its name into
	 * name[cap] when name is not NULL); NOT_FOUND if none. */
	enum pa_err (*unit_find)(struct pa_db *db, const char *region, const char *kind,
				 int64_t *id, char *name, size_t cap);

	/* users and sessions */
	enum pa_err (*user_put)(struct pa_db *db, const struct pa_user_in *u, int64_t *id);
	enum pa_err (*user_by_name)(struct pa_db *db, const char *username, struct pa_user *u,
				    char *pw_hash, size_t hash_cap);
	/* A session (by the SHA-256 of its token) last seen now, ending by expires at the
	 * latest, which must do needs (PA_NEEDS_*) before anything else. */
	enum pa_err (*session_put)(struct pa_db *db, const uint8_t hash[32], int64_t user_id,
				   int64_t now, int64_t expires, unsigned needs);
	/* The user of a session not past expires, with session_expires, _seen and _needs. */
	enum pa_err (*session_user)(struct pa_db *db, const uint8_t hash[32], int64_t now,
				    struct pa_user *u);
	enum pa_err (*session_delete)(struct pa_db *db, const uint8_t hash[32]);

	/* accounts and log-in security (sqlite_login.c) */
	enum pa_err (*user_by_id)(struct pa_db *db, int64_t id, struct pa_user *u);
	enum pa_err (*user_auth)(struct pa_db *db, int64_t id, struct pa_user_auth *out);
	/* Accounts of the region subtree and its city (the one of username alone, when not
	 * NULL) by id,
	 * from after (0 = the first) on, at most max; *next is the cursor of the page after
	 * (0 = none). With the failed log-ins under their usernames. */
	enum pa_err (*user_list)(struct pa_db *db, const char *region, const char *username,
				 int64_t after, int max, struct pa_arena *a,
				 struct pa_user_row **rows, int *n, int64_t *next);
	/* How many accounts are exempt from the second factor (demo accounts). */
	enum pa_err (*users_exempt)(struct pa_db *db, int64_t *n);
	enum pa_err (*user_password_set)(struct pa_db *db, int64_t id, const char *pw_hash,
					 bool must_change, int64_t at);
	/* Hand out a second-factor key awaiting its first code (replacing any awaiting). */
	enum pa_err (*totp_offer)(struct pa_db *db, int64_t id, const char *sealed_key);
	/* The key awaiting becomes the account's second factor, its codes taken from step on,
	 * with these recovery codes (hex SHA-256 each) replacing any before. NOT_FOUND if no
	 * key awaits. */
	enum pa_err (*totp_confirm)(struct pa_db *db, int64_t id, int64_t step,
				    const char *const *code_hashes, int n);
	/* No second factor any more: key, key awaiting and recovery codes gone. */
	enum pa_err (*totp_clear)(struct pa_db *db, int64_t id);
	/* Take a code of this time step: CONFLICT if one of it or a later step was taken. */
	enum pa_err (*totp_take)(struct pa_db *db, int64_t id, int64_t step);
	/* Use an unused recovery code (its hex SHA-256) once; NOT_FOUND if there is none. */
	enum pa_err (*recovery_use)(struct pa_db *db, int64_t id, const char *code_hash,
				    int64_t at);
	/* Failed log-ins under a username: all zero if none are recorded. */
	enum pa_err (*login_failures_get)(struct pa_db *db, const char *username,
					  struct pa_login_failures *out);
	enum pa_err (*login_failures_put)(struct pa_db *db, const char *username,
					  const struct pa_login_failures *f);
	/* Forget them (a log-in succeeded, an administrator unlocked), and any whose window
	 * and lock both passed before `stale` (0 = none such). */
	enum pa_err (*login_failures_clear)(struct pa_db *db, const char *username, int64_t stale);
	enum pa_err (*session_touch)(struct pa_db *db, const uint8_t hash[32], int64_t seen);
	enum pa_err (*session_needs_set)(struct pa_db *db, const uint8_t hash[32], unsigned needs);
	/* End every session of a user but the one keep (NULL = all). */
	enum pa_err (*sessions_end)(struct pa_db *db, int64_t user_id, const uint8_t *keep);
	/* Forget up to max sessions that have ended: past their end (expires_at <= now) or
	 * last used before seen_before; *n gets how many. */
	enum pa_err (*sessions_prune)(struct pa_db *db, int64_t now, int64_t seen_before, int max,
				      int *n);

	/* cases */
	enum pa_err (*case_insert)(struct pa_db *db, const struct pa_case_in *c,
				   struct pa_case_ref *out);
	enum pa_err (*case_head)(struct pa_db *db, const struct pa_scope *s, int64_t id,
				 struct pa_case_head *out);
	/* Hot paths return rows (strings in arena a), rendered by the service. */
	enum pa_err (*case_get)(struct pa_db *db, const struct pa_scope *s, int64_t id,
				struct pa_arena *a, struct pa_case_row *out);
	enum pa_err (*case_list)(struct pa_db *db, const struct pa_scope *s,
				 const struct pa_case_filter *f, struct pa_arena *a,
				 struct pa_case_row **rows, int *n, int64_t *next);
	/* How many cases case_list would list with f, all pages (limit and cursor ignored). */
	enum pa_err (*case_count)(struct pa_db *db, const struct pa_scope *s,
				  const struct pa_case_filter *f, int64_t *n);
	/* Move a case: update its state, unit and patch, append the step, keep counters. */
	enum pa_err (*case_step)(struct pa_db *db, const struct pa_step_in *st);
	/* Relate two cases (both directions; kind "related", or "merged" from the duplicate
	 * to the case it joined); bumps both versions. CONFLICT if already related. */
	enum pa_err (*case_link)(struct pa_db *db, int64_t a, int64_t b, const char *kind,
				 int64_t at);
	/* The cases linked to a case with this kind, whatever their scope: rows
	 * {case_id, number, grid, grid_name, status} (a warning's visit tasks). */
	enum pa_err (*linked)(struct pa_db *db, int64_t id, const char *kind, json_t **rows);
	/* The unit that last dispatched the case to its holder (0 if none). */
	enum pa_err (*case_dispatcher)(struct pa_db *db, int64_t id, int64_t *unit_id);
	/* Who stands where on a case, for the rules of who may act (service/may.c); whatever
	 * the scope (the caller has read the case's head in its scope). handle_states: the
	 * lifecycle's states of the handle phase as ",a,b,". NOT_FOUND if no such case. */
	enum pa_err (*case_who)(struct pa_db *db, int64_t id, const char *handle_states,
				int64_t actor_unit, struct pa_case_who *out);
	/* Whether the unit has an account, not disabled, whose role is one of roles (",a,b,"). */
	enum pa_err (*unit_has_role)(struct pa_db *db, int64_t unit, const char *roles, bool *yes);
	/* The case a query code's hash belongs to (NOT_FOUND if none). */
	enum pa_err (*case_by_query)(struct pa_db *db, const char *query_hash, int64_t *id);
	/* Ids of cases whose next_due has come, in (next_due, id) order after the given
	 * position (0, 0 = from the start), at most max; dues[] gets their next_due. */
	enum pa_err (*cases_due)(struct pa_db *db, int64_t now, int64_t after_due, int64_t after_id,
				 int max, int64_t *ids, int64_t *dues, int *n);
	/* The same for cases whose watched date has passed while still watched and not yet
	 * marked, in (watch_due, id) order; dues[] gets their watch_due. */
	enum pa_err (*cases_watch_due)(struct pa_db *db, int64_t now, int64_t after_due,
				       int64_t after_id, int max, int64_t *ids, int64_t *dues,
				       int *n);
	/* A unit by its code in a city (id, name into name[cap], region into region[16]);
	 * codes are unique within a city. city NULL: the first unit of that code in any. */
	enum pa_err (*unit_by_code)(struct pa_db *db, const char *city, const char *code,
				    int64_t *id, char *name, size_t cap, char region[16]);
	/* CONFLICT if the case has this file already; bumps the case's version. */
	enum pa_err (*attachment_add)(struct pa_db *db, int64_t case_id, const char *sha256,
				      const char *mime, int64_t size, const char *name,
				      int64_t actor_id, int64_t at);
	enum pa_err (*attachment_get)(struct pa_db *db, int64_t case_id, const char *sha256,
				      char mime[32], char name[256], int64_t *size);
	enum pa_err (*record_add)(struct pa_db *db, int64_t case_id, const char *kind,
				  const char *data, int64_t actor_id, int64_t at);
	/* The report on the oldest manual supervision of the case still waiting for one. */
	enum pa_err (*supervision_report)(struct pa_db *db, int64_t case_id, const char *report,
					  int64_t at);
	/* Manual supervisions past their deadline with no report, not yet marked (case ids and
	 * supervision ids, at most max). */
	enum pa_err (*supervisions_late)(struct pa_db *db, int64_t now, int max, int64_t *case_ids,
					 int64_t *ids, int *n);
	/* Mark one as late; PA_NOT_FOUND if it was reported or marked meanwhile. */
	enum pa_err (*supervision_mark_late)(struct pa_db *db, int64_t id);
	enum pa_err (*supervision_add)(struct pa_db *db, int64_t case_id, const char *level,
				       int64_t by_user, const char *note, int64_t at,
				       int64_t due_at);
	enum pa_err (*stats)(struct pa_db *db, const struct pa_scope *s, const char *region,
			     json_t **out);
	/* Events of the months from..to (YYYYMM) in the region subtree, summed per key —
	 * the month (group_digits 0), the unit holding the case (group_digits -1: its id,
	 * "0" for events counted before units were) or the region code cut to group_digits —
	 * metric and category: rows [key, metric, category, n]. */
	enum pa_err (*stat_events)(struct pa_db *db, const char *region, int from, int to,
				   int group_digits, json_t **rows);

	/* routing versions and the audit log */
	/* Record a new version, numbered one past the last; *version gets its number. */
	enum pa_err (*routing_version_add)(struct pa_db *db, const struct pa_routing_version *v,
					   int64_t *version);
	/* That version, or with version 0 the latest (of source, when not NULL); NOT_FOUND if
	 * there is none. */
	enum pa_err (*routing_version_get)(struct pa_db *db, int64_t version, const char *source,
					   struct pa_arena *a, struct pa_routing_version *out);
	/* Versions below before (0 = from the latest), newest first, at most max, without
	 * their text; *next is the cursor of the page after (0 = none). */
	enum pa_err (*routing_versions)(struct pa_db *db, int64_t before, int max,
					struct pa_arena *a, struct pa_routing_version **rows,
					int *n, int64_t *next);
	/* The audit chain (audit.h). Append a row: writer connections with the audit key
	 * only; the store appends its own rows with every change it is told to make. */
	enum pa_err (*audit_add)(struct pa_db *db, const struct pa_audit_in *e);
	/* How many rows the chain holds (0: none, or no audit log yet) and the name of the key
	 * its first row says it is chained with ("" if none). */
	enum pa_err (*audit_status)(struct pa_db *db, int64_t *rows, char key_id[17]);
	/* The marks and the rows, as of one moment, to the reader. */
	enum pa_err (*audit_read)(struct pa_db *db, const struct pa_audit_reader *r);
	/* A page of rows (strings in arena a); *next is the cursor of the page after (0 =
	 * none). */
	enum pa_err (*audit_list)(struct pa_db *db, const struct pa_audit_filter *f,
				  struct pa_arena *a, struct pa_audit_entry **rows, int *n,
				  int64_t *next);

	/* personal data */
	/* The probe the database's personal data key sealed: the stored one into *stored
	 * (malloc'd, the caller frees), or with none stored yet, fresh stored now (writer;
	 * with fresh NULL nothing is stored and *stored is NULL when there is none). */
	enum pa_err (*seal_probe)(struct pa_db *db, const char *fresh, char **stored);
	/* Cases written before sealing that may hold personal data (parties or fields) and
	 * have no seal id, after `after`, at most max, by id: their ids. */
	enum pa_err (*plain_cases)(struct pa_db *db, int64_t after, int max, int64_t *ids, int *n);
	/* Replace a case's personal data with sealed values (case_get's rows, the same
	 * number of parties), give it its seal id and blind indexes (writer). */
	enum pa_err (*case_reseal)(struct pa_db *db, int64_t id, const struct pa_case_in *c);
	/* Rewrite the whole database so no freed page keeps what was overwritten, and empty
	 * the log (writer, outside a transaction): after plaintext was replaced by sealing. */
	enum pa_err (*scrub)(struct pa_db *db);

	/* idempotency: a stored answer for (user, key), or NOT_FOUND */
	enum pa_err (*idem_get)(struct pa_db *db, int64_t user_id, const char *key, char *req_hash,
				int *status, char **body);
	/* Forget up to max keys stored before `before` (oldest first); *n gets how many. */
	enum pa_err (*idem_prune)(struct pa_db *db, int64_t before, int max, int *n);
	enum pa_err (*idem_put)(struct pa_db *db, int64_t user_id, const char *key,
				const char *req_hash, int status, const char *body, int64_t now);

	/* backup, restore and check (a PostgreSQL backend: pg_dump of one exported snapshot,
	 * the attachments listed in that snapshot; pg_restore in one transaction; the same
	 * check queries) */
	/* Copy the whole database as of one moment into path (a new file, which the caller
	 * renames into place), synced, while others go on reading and writing; the attachments
	 * the copy refers to go to cb->file, read at the same moment. */
	enum pa_err (*backup)(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb);
	/* Replace everything in this database (a writer connection) with the copy at path, in
	 * one transaction; cb->file hears nothing. */
	enum pa_err (*restore)(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb);
	/* Look the database over, as of one moment, and report each problem: its own
	 * integrity, the schema version, each case's history (steps chained from report to the
	 * state it is in, times in order), the counters against the cases; the attachments rows
	 * refer to go to r->file. An error only when the checking itself failed. */
	enum pa_err (*check)(struct pa_db *db, const struct pa_check_rules *rules,
			     struct pa_check_report *r);
	/* Count the cohort events (reported_closed, reported_overdue) afresh from the cases,
	 * when a migration asked for it (the counter stats_refill) or with force; in the
	 * caller's transaction. *done: whether it did. */
	enum pa_err (*stats_refill)(struct pa_db *db, const struct pa_check_rules *rules,
				    bool force, bool *done);
};

struct pa_db {
	const struct pa_store_ops *ops;
	/* The audit chain's key: set on writer connections by pa_store_open_writer. A change
	 * the store audits fails on a connection without it. */
	bool has_audit_key;
	uint8_t audit_key[PA_AUDIT_KEY_BYTES];
};

struct pa_store {
	const struct pa_store_ops *ops;
	char *url;
	pthread_mutex_t mu;
	pthread_cond_t freed; /* a connection came back, or may be opened */
	struct pa_db **idle;
	int nidle, cap;
	int nopen;    /* read connections lent or idle */
	int max_open; /* at most this many (0 = no limit: the command line's one or two) */
	int wait_ms;  /* how long an acquire waits for one to come back before failing */
	/* the read-only replica that lists, search and dashboards read (NULL: this store) */
	struct pa_store *replica;
	/* with a replica: the primary's WAL position after the writer's latest commit, so a
	 * caller can wait for what it wrote before reading from the replica */
	_Atomic uint64_t committed_lsn;
	bool has_audit_key; /* loaded by pa_store_audit_key */
	uint8_t audit_key[PA_AUDIT_KEY_BYTES];
};

/* Picks the backend from the URL: postgres:// or postgresql:// (libpq's URI), else a
 * SQLite file (PATH or sqlite:PATH). */
enum pa_err pa_store_open(const char *url, struct pa_store **out);
void pa_store_close(struct pa_store *s);
bool pa_store_is_pg(const char *url);
/* Where the files that go with a database live by default (its audit key, personal-data
 * key and attachments: this + ".audit-key" …): a SQLite database's own path; for a
 * PostgreSQL URL, $PINGAN_STATE_DIR (default: the working directory) / the database name. */
void pa_store_local_path(const char *url, char *out, size_t cap);
/* At most max read connections open at once (0 = no limit), kept open when given back;
 * an acquire when all are lent waits up to wait_ms for one, then fails with
 * PA_STORE_BUSY. Set before the first acquire. */
void pa_store_pool_set(struct pa_store *s, int max, int wait_ms);
/* Lists, search and dashboards read from a streaming replica at url (PostgreSQL), with a
 * pool capped as this store's; everything else, and every write, stays on this store. */
enum pa_err pa_store_replica_set(struct pa_store *s, const char *url);
/* The store that lists, search and dashboards read: the replica if set, else s. */
struct pa_store *pa_store_lists(struct pa_store *s);
/* PostgreSQL only: a scratch database beside the one at url (same server, owned by the
 * same role), to stage a restore in; its URL into out. drop removes the one named out. */
enum pa_err pa_pg_scratch(const char *url, bool drop, char *out, size_t cap);
/* Lend a read connection (NULL on failure, detail in pa_err_last); give it back. */
struct pa_db *pa_store_acquire(struct pa_store *s);
void pa_store_release(struct pa_store *s, struct pa_db *db);
/* A fresh connection for writing (the writer's, or a CLI's), with the audit key: the
 * database's own (pa_store_audit_key with NULL) unless another was loaded before. */
enum pa_err pa_store_open_writer(struct pa_store *s, struct pa_db **out);
/* Load the audit key writers chain the log with from path (NULL = the database's path +
 * ".audit-key"). With no file there, a new random key is made — only while the database's
 * audit log is empty: a log with rows needs the key it was chained with, and losing that
 * key makes the log impossible to verify. A file that is no key, or others may read, or a
 * key other than the one the log names in its first row, is refused. */
enum pa_err pa_store_audit_key(struct pa_store *s, const char *path);
/* Use this key (restore: the backup's, read or made by the caller). */
void pa_store_set_audit_key(struct pa_store *s, const uint8_t key[PA_AUDIT_KEY_BYTES]);

extern const struct pa_store_ops pa_sqlite_ops;
/* The PostgreSQL backend's (store/pg*.c), for postgres:// and postgresql:// URLs. */
const struct pa_store_ops *pa_pg_ops(void);

#endif
