/* pg.h: what the PostgreSQL backend's files (pg*.c) share — the connection, bound
 * parameters, prepared statements run by the address of their SQL, and column readers. Not
 * for use outside src/store/pg*.c. */
#ifndef PA_STORE_PG_H
#define PA_STORE_PG_H

#include <libpq-fe.h>

#include "store/city_sql.h"
#include "store/store.h"

#define PG_CACHE    160 /* prepared statements kept per connection (beyond: unprepared) */
#define PG_MAX_ARGS 40

/* The audit chain's head: how many rows, the last one's MAC, the algorithm. */
struct pg_chain_head {
	bool found;
	int64_t n;
	uint8_t mac[PA_AUDIT_MAC_BYTES];
	enum pa_audit_alg alg;
};

struct pg {
	struct pa_db base;
	PGconn *c;
	bool writer;
	int ncache;
	const char *cache[PG_CACHE]; /* the SQL each prepared statement "sN" was made from */
	/* the chain's head as rows are appended in the open transaction (pg_audit.c) */
	bool head_known, head_moved;
	struct pg_chain_head head;
};

static inline struct pg *PG(struct pa_db *db)
{
	return (struct pg *)db;
}

/* Parameters, as text (libpq's text format): NULL strings bind NULL. */
struct pg_args {
	int n;
	const char *v[PG_MAX_ARGS];
	char buf[PG_MAX_ARGS][72];
};

void pg_text(struct pg_args *a, const char *s);
void pg_int(struct pg_args *a, int64_t v);
void pg_id(struct pg_args *a, int64_t v); /* 0 binds NULL */
void pg_dbl(struct pg_args *a, double v);
void pg_bytes(struct pg_args *a, const uint8_t *p, size_t n); /* bytea, at most 32 bytes */

/* A statement that fails inside a transaction ends the whole transaction on PostgreSQL,
 * where on SQLite only the statement fails and the caller may go on: so the statements
 * that may meet a conflict the caller handles are written not to fail (ON CONFLICT DO
 * NOTHING, WHERE EXISTS …) and report PA_CONFLICT when they changed nothing. */

/* Run sql (a string literal or static array: the prepared statement is found by its
 * address) with args; the result, or NULL with the error set (pa_err_last) and in *e. */
PGresult *pg_run(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
		 enum pa_err *e);
/* The same, for a statement whose result is not read: rows changed into *changed. */
enum pa_err pg_do(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
		  int64_t *changed);
/* Unprepared text (DDL, several statements). */
enum pa_err pg_exec(struct pg *d, const char *sql, const char *what);
/* An error of a result (or of the connection when r is NULL) as the store reports it. */
enum pa_err pg_err(struct pg *d, PGresult *r, const char *what);
/* The SQLSTATE of the last failed statement on this thread ("" if none). */
const char *pg_last_state(void);
bool pg_in_tx(struct pg *d);

/* Columns: "" / 0 for NULL; pg_a copies into the arena (NULL for NULL). */
const char *pg_s(const PGresult *r, int row, int col);
const char *pg_a(struct pa_arena *a, const PGresult *r, int row, int col);
int64_t pg_i(const PGresult *r, int row, int col);
double pg_d(const PGresult *r, int row, int col);
bool pg_null(const PGresult *r, int row, int col);
/* A bytea column of PA_AUDIT_MAC_BYTES; one of another size reads as a value it cannot
 * have been. */
void pg_mac(const PGresult *r, int row, int col, uint8_t out[PA_AUDIT_MAC_BYTES]);

/* How many times work that met a serialization failure or a deadlock (SQLSTATE 40001,
 * 40P01) is run in all before its failure stands, and the pause before the next time. */
#define PG_TRIES 5
void pg_pause(int attempt);
/* Whether the last failed statement on this thread met one. */
bool pg_transient(void);

/* Retry fn in a transaction of its own (BEGIN iso … COMMIT) while it fails by a
 * serialization failure or a deadlock, up to PG_TRIES times. A statement run outside a
 * transaction (a read on a pooled connection, on a standby too, where a conflict with
 * recovery cancels it as a serialization failure) is retried so by pg_run itself; the
 * writer's batch by the writer (ops->transient). */
enum pa_err pg_retry(struct pg *d, const char *begin, enum pa_err (*fn)(struct pg *, void *),
		     void *arg);

/* The scope condition of case reads: $1 region low, $2 high, $3 unit (NULL: not by
 * unit), with the city bound of $1 (city_sql.h), and its binding. */
#define PG_SCOPE_WHERE                                                                       \
	CITY_BOUND("c.city", "$1::text")                                                     \
	" AND"                                                                               \
	" c.grid >= $1::text AND c.grid < $2::text AND ($3::bigint IS NULL"                  \
	" OR EXISTS (SELECT 1 FROM case_units cu WHERE cu.city = c.city AND cu.unit_id = $3" \
	" AND cu.case_id = c.id))"
void pg_scope(struct pg_args *a, const struct pa_scope *s);
/* The city of case p (a parameter), for the rows kept with a case, keyed by its city. */
#define CASE_CITY(p) "(SELECT city FROM cases WHERE id = " p ")"

/* the audit chain (pg_audit.c) */
void pg_head_forget(struct pg *d);
enum pa_err pg_write_head(struct pg *d);
enum pa_err pg_audit_json(struct pg *d, int64_t actor, const char *action, const char *kind,
			  int64_t id, const char *code, json_t *detail);
enum pa_err pg_audit_start(struct pg *d);
json_t *pg_jid(int64_t v);

/* migrations (pg_schema.c) */
extern const char *const pa_pg_migrations[];
extern const int pa_pg_nmigrations;
enum pa_err pg_migrate(struct pa_db *db, int *from, int *to);
enum pa_err pg_version(struct pa_db *db, int *v);

/* counters kept with the cases (pg_cases.c), for pg_work.c */
enum pa_err pg_persons_add(struct pg *d, int64_t id, const struct pa_case_in *c);
enum pa_err pg_bump(struct pg *d, int64_t case_id, const char *what);

/* The columns id, username, role, region, unit_id, name, unit's name from column 0 of row
 * i (pg_admin.c, for pg_login.c). */
void pg_user_from(const PGresult *r, int i, struct pa_user *u);

/* Each file's part of the operations table. */
void pg_ops_admin(struct pa_store_ops *o);
void pg_ops_cases(struct pa_store_ops *o);
void pg_ops_work(struct pa_store_ops *o);
void pg_ops_audit(struct pa_store_ops *o);
void pg_ops_backup(struct pa_store_ops *o);
void pg_ops_login(struct pa_store_ops *o);

#endif
