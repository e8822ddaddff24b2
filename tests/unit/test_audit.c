/* test_audit.c: the audit chain on a temporary SQLite database — its MACs against OpenSSL's
 * and libsodium's own HMACs, each kind of tampering (an edited, deleted, inserted or swapped
 * row, rows cut from the end with and without the head, a wrong key) caught at its index
 * under both algorithms, the key file refused when it is not one, a job undone leaving no
 * row, and the rows logged before the chain (schema 13) taken into it by migration 15. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tmpdb.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/audit.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

static char dbpath[64];

/* ---- the MACs ---- */

static void put_u64(uint8_t **p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		(*p)[i] = (uint8_t)(v >> (8 * (7 - i)));
	*p += 8;
}

static void put_str(uint8_t **p, const char *s)
{
	put_u64(p, strlen(s));
	memcpy(*p, s, strlen(s));
	*p += strlen(s);
}

/* The row's canonical bytes as audit.h defines them, built here apart from audit.c. */
static size_t canonical(const uint8_t prev[32], const struct pa_audit_row *r, uint8_t *out)
{
	uint8_t *p = out;
	put_str(&p, "pingan-audit-row-v1");
	memcpy(p, prev, 32);
	p += 32;
	put_u64(&p, (uint64_t)r->idx);
	put_u64(&p, (uint64_t)r->at);
	put_u64(&p, (uint64_t)r->actor_id);
	put_str(&p, r->action);
	put_str(&p, r->subject);
	put_str(&p, r->detail);
	return (size_t)(p - out);
}

static void test_macs_match_the_libraries(void **st)
{
	(void)st;
	uint8_t k1[32], k2[32], prev[32], got[32], want[32], buf[512];
	for (int i = 0; i < 32; i++)
		k1[i] = (uint8_t)i, k2[i] = (uint8_t)(255 - i), prev[i] = (uint8_t)(7 * i);
	struct pa_audit_row r = {.idx = 42,
				 .at = 1764000000,
				 .actor_id = 9,
				 .action = "case.accept",
				 .subject = "case:7",
				 .detail = "{\"to\":\"accepted\"}"};
	size_t n = canonical(prev, &r, buf);
	assert_true(pa_audit_alg_available(PA_AUDIT_HMAC_SM3)); /* Debian 12's OpenSSL has it */
	/* with two keys in turn: the thread's cached SM3 context follows its key */
	for (int round = 0; round < 3; round++) {
		const uint8_t *k = round == 1 ? k2 : k1;
		assert_int_equal(pa_audit_mac(PA_AUDIT_HMAC_SM3, k, prev, &r, got), PA_OK);
		size_t len = 0;
		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, k, 32, buf, n, want,
					  sizeof want, &len));
		assert_int_equal(len, 32);
		assert_memory_equal(got, want, 32);
		assert_int_equal(pa_audit_mac(PA_AUDIT_HMAC_SHA256, k, prev, &r, got), PA_OK);
		crypto_auth_hmacsha256_state h;
		crypto_auth_hmacsha256_init(&h, k, 32);
		crypto_auth_hmacsha256_update(&h, buf, n);
		crypto_auth_hmacsha256_final(&h, want);
		assert_memory_equal(got, want, 32);
	}
	/* every field is covered */
	uint8_t base[32];
	pa_audit_mac(PA_AUDIT_HMAC_SM3, k1, prev, &r, base);
	struct pa_audit_row v[] = {r, r, r, r, r, r};
	v[0].idx++, v[1].at++, v[2].actor_id = 0, v[3].action = "case.reject",
			       v[4].subject = "case:8", v[5].detail = "{}";
	for (int i = 0; i < 6; i++) {
		pa_audit_mac(PA_AUDIT_HMAC_SM3, k1, prev, &v[i], got);
		assert_memory_not_equal(got, base, 32);
	}
	assert_string_equal(pa_audit_alg_name(pa_audit_alg_from("hmac-sm3")), "hmac-sm3");
	assert_int_equal(pa_audit_alg_from("md5"), PA_AUDIT_ALG_NONE);
}

/* ---- chains to tamper with ---- */

#define ROWS 2500 /* past two checkpoints */

/* A fresh database whose log holds ROWS rows (the start row, then pa_audit's), chained with
 * alg; its last index into *last. */
static struct pa_store *chained(const char *alg, int64_t *last)
{
	setenv("PINGAN_AUDIT_ALG", alg, 1);
	tmpdb_path(dbpath, sizeof dbpath, "audit");
	struct pa_store *s;
	struct pa_db *w;
	int from, to;
	assert_int_equal(pa_store_open(dbpath, &s), PA_OK);
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK);
	assert_int_equal(w->ops->migrate(w, &from, &to), PA_OK);
	assert_int_equal(w->ops->begin(w), PA_OK);
	for (int i = 2; i <= ROWS; i++) {
		char subject[32], detail[64];
		snprintf(subject, sizeof subject, "case:%d", i);
		snprintf(detail, sizeof detail, "{\"step\":%d,\"to\":\"accepted\"}", i);
		assert_int_equal(pa_audit(w, i % 7, "case.accept", subject, detail, 1764000000 + i),
				 PA_OK);
	}
	assert_int_equal(w->ops->commit(w), PA_OK);
	w->ops->close(w);
	*last = ROWS;
	unsetenv("PINGAN_AUDIT_ALG");
	return s;
}

static void drop(struct pa_store *s)
{
	pa_store_close(s);
	tmpdb_remove(dbpath);
}

static void verify(struct pa_store *s, const uint8_t *key, int64_t from,
		   struct pa_audit_report *rep)
{
	struct pa_db *r = pa_store_acquire(s);
	assert_non_null(r);
	assert_int_equal(pa_audit_verify(r, key ? key : s->audit_key, from, rep), PA_OK);
	pa_store_release(s, r);
}

/* Run the SQL as someone with the file but not the key would: the triggers that keep the
 * log append-only dropped first. */
static void tamper(const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(h,
			      "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
			      " DROP TRIGGER audit_checkpoints_no_delete;"
			      " DROP TRIGGER audit_head_no_delete;",
			      NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(h);
}

struct tamper_case {
	const char *what, *sql;
	enum pa_audit_problem problem;
	int64_t index;
};

/* Each kind of tampering, caught at its index (ROWS = 2500; checkpoints at 1000, 2000). */
static const struct tamper_case cases[] = {
	{"an edited detail",
	 "UPDATE audit_log SET detail = '{\"step\":1234,\"to\":\"rejected\"}'"
	 " WHERE idx = 1234",
	 PA_AUDIT_EDITED, 1234},
	{"an edited actor", "UPDATE audit_log SET actor_id = 1 WHERE idx = 77", PA_AUDIT_EDITED,
	 77},
	{"a middle row deleted", "DELETE FROM audit_log WHERE idx = 1500", PA_AUDIT_DELETED, 1500},
	{"a middle row deleted, the rest renumbered",
	 "DELETE FROM audit_log WHERE idx = 1500;"
	 " UPDATE audit_log SET idx = -idx WHERE idx > 1500;"
	 " UPDATE audit_log SET idx = -idx - 1 WHERE idx < 0",
	 PA_AUDIT_DELETED, 1500},
	{"a forged row inserted", /* linked to the row before it, with no key to MAC it */
	 "UPDATE audit_log SET idx = -idx WHERE idx >= 1800;"
	 " UPDATE audit_log SET idx = -idx + 1 WHERE idx < 0;"
	 " INSERT INTO audit_log VALUES (1800, 1764001800, 3, 'case.close', 'case:9',"
	 " '{\"to\":\"closed\"}', (SELECT mac FROM audit_log WHERE idx = 1799), randomblob(32))",
	 PA_AUDIT_INSERTED, 1800},
	{"a forged row appended", /* and the head moved over it, without the key */
	 "INSERT INTO audit_log VALUES (2501, 1764009999, 3, 'case.close', 'case:9', '{}',"
	 " (SELECT mac FROM audit_log WHERE idx = 2500), randomblob(32));"
	 " UPDATE audit_head SET n = 2501, mac = (SELECT mac FROM audit_log WHERE idx = 2501)",
	 PA_AUDIT_INSERTED, 2501},
	{"the last rows cut", "DELETE FROM audit_log WHERE idx > 2495", PA_AUDIT_TRUNCATED, 2496},
	{"the last rows cut and the head rewritten",
	 "DELETE FROM audit_log WHERE idx > 2495; UPDATE audit_head SET n = 2495,"
	 " mac = (SELECT mac FROM audit_log WHERE idx = 2495)",
	 PA_AUDIT_TRUNCATED, 2496},
	{"rows cut past a checkpoint, the head deleted",
	 "DELETE FROM audit_log WHERE idx > 1950; DELETE FROM audit_head", PA_AUDIT_TRUNCATED,
	 1951},
	{"the head deleted", "DELETE FROM audit_head", PA_AUDIT_TRUNCATED, 2501},
	{"two rows swapped",
	 "CREATE TEMP TABLE x AS SELECT * FROM audit_log WHERE idx IN (600, 900);"
	 " UPDATE audit_log SET (at, actor_id, action, subject, detail, prev, mac) ="
	 " (SELECT at, actor_id, action, subject, detail, prev, mac FROM x"
	 " WHERE x.idx = 1500 - audit_log.idx) WHERE idx IN (600, 900)",
	 PA_AUDIT_EDITED, 600},
	{"two rows next to each other swapped",
	 "CREATE TEMP TABLE y AS SELECT * FROM audit_log WHERE idx IN (700, 701);"
	 " UPDATE audit_log SET (at, actor_id, action, subject, detail, prev, mac) ="
	 " (SELECT at, actor_id, action, subject, detail, prev, mac FROM y"
	 " WHERE y.idx = 1401 - audit_log.idx) WHERE idx IN (700, 701)",
	 PA_AUDIT_EDITED, 700},
	{"everything deleted", "DELETE FROM audit_log", PA_AUDIT_TRUNCATED, 1},
};

static void tampering_caught(const char *alg)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t last;
		struct pa_store *s = chained(alg, &last);
		struct pa_audit_report rep;
		verify(s, NULL, 1, &rep);
		assert_int_equal(rep.problem, PA_AUDIT_OK);
		assert_int_equal(rep.last, last);
		assert_int_equal(rep.head, last);
		assert_int_equal(rep.ncheckpoints, 2);
		assert_int_equal(rep.alg, pa_audit_alg_from(alg));
		tamper(cases[i].sql);
		verify(s, NULL, 1, &rep);
		if (rep.problem != cases[i].problem || rep.index != cases[i].index)
			fail_msg("%s (%s): got %s at %lld: %s", cases[i].what, alg,
				 pa_audit_problem_name(rep.problem), (long long)rep.index,
				 rep.message);
		drop(s);
	}
}

static void test_tampering_caught_sm3(void **st)
{
	(void)st;
	tampering_caught("hmac-sm3");
}

static void test_tampering_caught_sha256(void **st)
{
	(void)st;
	tampering_caught("hmac-sha256");
}

static void test_wrong_key_and_checkpoints(void **st)
{
	(void)st;
	int64_t last;
	struct pa_store *s = chained("hmac-sm3", &last);
	uint8_t other[32];
	randombytes_buf(other, sizeof other);
	struct pa_audit_report rep;
	verify(s, other, 1, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_WRONG_KEY);
	assert_int_equal(rep.index, 1);
	assert_non_null(strstr(rep.message, "wrong key"));
	/* from a checkpoint: the rows before it are vouched for by its own MAC */
	verify(s, NULL, 2200, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_OK);
	assert_int_equal(rep.first, 2001);
	assert_int_equal(rep.last, last);
	/* an edit before the checkpoint is beyond that walk, never beyond the whole one */
	tamper("UPDATE audit_log SET detail = '{}' WHERE idx = 10");
	verify(s, NULL, 2200, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_OK);
	verify(s, NULL, 1, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_EDITED);
	assert_int_equal(rep.index, 10);
	drop(s);
	/* a checkpoint edited does not verify */
	s = chained("hmac-sm3", &last);
	tamper("DROP TRIGGER audit_checkpoints_no_update;"
	       " UPDATE audit_checkpoints SET mac = randomblob(32) WHERE idx = 2000");
	verify(s, NULL, 1, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_MARK);
	assert_int_equal(rep.index, 2000);
	drop(s);
}

/* ---- writing ---- */

static int64_t count_rows(void)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM audit_log", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void test_undone_job_leaves_no_row(void **st)
{
	(void)st;
	int64_t last;
	struct pa_store *s = chained("hmac-sm3", &last);
	struct pa_db *w;
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK);
	assert_int_equal(w->ops->begin(w), PA_OK);
	assert_int_equal(w->ops->savepoint(w), PA_OK);
	assert_int_equal(pa_audit(w, 1, "case.accept", "case:1", NULL, 1), PA_OK);
	w->ops->rollback_to(w); /* the job failed: its row goes with it */
	assert_int_equal(w->ops->savepoint(w), PA_OK);
	assert_int_equal(pa_audit(w, 1, "case.reject", "case:2", "{\"to\":\"rejected\"}", 2),
			 PA_OK);
	assert_int_equal(w->ops->release(w), PA_OK);
	assert_int_equal(w->ops->commit(w), PA_OK);
	assert_int_equal(count_rows(), last + 1);
	/* what pa_audit refuses: no action or subject, a detail that is no JSON object */
	assert_int_equal(w->ops->begin(w), PA_OK);
	assert_int_equal(pa_audit(w, 1, "", "case:1", NULL, 1), PA_INTERNAL);
	assert_int_equal(pa_audit(w, 1, "x", "case:1", "[1]", 1), PA_INTERNAL);
	assert_int_equal(pa_audit(w, 1, "x", "case:1", "{\"a\":1,\"a\":2}", 1), PA_INTERNAL);
	/* the log is append-only: the triggers refuse a change even to the store's own SQL */
	w->ops->rollback(w);
	w->ops->close(w);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_not_equal(
		sqlite3_exec(h, "UPDATE audit_log SET detail = '{}'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit_head", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
	struct pa_audit_report rep;
	verify(s, NULL, 1, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_OK);
	assert_int_equal(rep.last, last + 1);
	/* a connection without the key writes nothing */
	struct pa_db *bare;
	assert_int_equal(s->ops->open(dbpath, true, &bare), PA_OK);
	assert_int_equal(bare->ops->begin(bare), PA_OK);
	assert_int_equal(pa_audit(bare, 1, "x", "y", NULL, 1), PA_INTERNAL);
	struct pa_region_in city = {"429006", NULL, "city", "天门市", 1, 113.1, 30.6, NULL};
	assert_int_equal(bare->ops->region_put(bare, &city), PA_INTERNAL);
	bare->ops->rollback(bare);
	bare->ops->close(bare);
	drop(s);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void test_key_file(void **st)
{
	(void)st;
	int64_t last;
	struct pa_store *s = chained("hmac-sm3", &last);
	char path[96], other[128];
	pa_audit_key_path_of(dbpath, path, sizeof path);
	snprintf(other, sizeof other, "%s.other", path);
	uint8_t key[32];
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* made with the database */
	assert_int_equal(pa_audit_key_read(path, key), PA_OK);
	assert_memory_equal(key, s->audit_key, 32);
	assert_int_equal(pa_audit_key_read(other, key), PA_NOT_FOUND);
	/* garbled, or readable by others: refused */
	const char *bad[] = {"", "pingan-audit-key-v1 00\n", "hello\n",
			     "pingan-audit-key-v1 "
			     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg\n",
			     "pingan-audit-key-v1 "
			     "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		write_file(other, bad[i], 0600);
		assert_int_equal(pa_audit_key_read(other, key), PA_BAD_REQUEST);
	}
	write_file(other,
		   "pingan-audit-key-v1 "
		   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		   0644);
	assert_int_equal(pa_audit_key_read(other, key), PA_BAD_REQUEST);
	assert_non_null(strstr(pa_err_last()->message, "chmod 600"));
	chmod(other, 0600);
	assert_int_equal(pa_audit_key_read(other, key), PA_OK);
	/* a log with rows is never given a new key, nor written with another */
	struct pa_store *s2;
	assert_int_equal(pa_store_open(dbpath, &s2), PA_OK);
	assert_int_equal(pa_store_audit_key(s2, other), PA_BAD_REQUEST);
	assert_non_null(strstr(pa_err_last()->message, "is not the one"));
	unlink(other);
	assert_int_equal(pa_store_audit_key(s2, other), PA_BAD_REQUEST);
	assert_non_null(strstr(pa_err_last()->message, "no audit key"));
	assert_int_equal(stat(other, &sb), -1);
	assert_int_equal(pa_store_audit_key(s2, NULL), PA_OK);
	pa_store_close(s2);
	drop(s);
}

/* A database of schema 13 with routing rows in its old log: migration 15 starts the chain
 * and takes them in, in their order. */
static void test_migration_takes_the_old_log(void **st)
{
	(void)st;
	tmpdb_path(dbpath, sizeof dbpath, "audit");
	sqlite3 *h;
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
				      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
				      " applied_at INTEGER NOT NULL)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (int v = 0; v < 13; v++) {
		char sql[96];
		snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, 0)", v + 1);
		assert_int_equal(sqlite3_exec(h, pa_sqlite_migrations[v], NULL, NULL, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(sqlite3_exec(h,
				      "INSERT INTO audit_log (at, action, subject, detail) VALUES"
				      " (10, 'routing.record', 'routing', '{\"version\":1}'),"
				      " (20, 'routing.record', 'routing', '{\"version\":2}')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	struct pa_store *s;
	struct pa_db *w;
	int from, to;
	assert_int_equal(pa_store_open(dbpath, &s), PA_OK);
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK); /* a key is made: no chain yet */
	assert_int_equal(w->ops->migrate(w, &from, &to), PA_OK);
	assert_int_equal(from, 13);
	w->ops->close(w);
	struct pa_audit_report rep;
	verify(s, NULL, 1, &rep);
	assert_int_equal(rep.problem, PA_AUDIT_OK);
	assert_int_equal(rep.last, 3);
	struct pa_db *r = pa_store_acquire(s);
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_audit_filter f = {.limit = 10};
	struct pa_audit_entry *rows;
	int n;
	int64_t next;
	assert_int_equal(r->ops->audit_list(r, &f, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].row.detail, "{\"version\":2}");
	assert_int_equal(rows[0].row.at, 20);
	assert_string_equal(rows[1].row.detail, "{\"version\":1}");
	assert_string_equal(rows[2].row.action, "audit.start");
	f = (struct pa_audit_filter){.limit = 1, .action = "routing"};
	assert_int_equal(r->ops->audit_list(r, &f, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(next, 3);
	f.before = next;
	assert_int_equal(r->ops->audit_list(r, &f, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(rows[0].row.idx, 2);
	assert_int_equal(next, 0);
	f = (struct pa_audit_filter){.limit = 5, .action = "rout"}; /* whole words only */
	assert_int_equal(r->ops->audit_list(r, &f, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 0);
	pa_arena_free(&a);
	pa_store_release(s, r);
	drop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macs_match_the_libraries),
		cmocka_unit_test(test_tampering_caught_sm3),
		cmocka_unit_test(test_tampering_caught_sha256),
		cmocka_unit_test(test_wrong_key_and_checkpoints),
		cmocka_unit_test(test_undone_job_leaves_no_row),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_migration_takes_the_old_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
