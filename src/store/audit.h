/* audit.h: the audit log as a chain of keyed hashes. Every row carries
 * MAC = HMAC(key, "pingan-audit-row" || prev MAC || the row's canonical bytes), so a row
 * edited, inserted, deleted or moved breaks the chain at its index; the head (how many rows
 * and the last MAC) and the checkpoints every PA_AUDIT_CHECKPOINT_EVERY rows carry a MAC of
 * their own, so rows cut off the end are seen too. The key lives in a file outside the
 * database (DB.audit-key unless told otherwise): without it the log cannot be verified, and
 * with it nobody else can forge a row.
 *
 * Who writes: the store itself, in the transaction of the change, for every case report and
 * step, user created, log-in and log-out, unit and region added (sqlite.c); pa_audit() for
 * whatever else must be on record (a failed log-in, a routing version, a reveal of full
 * personal data). There is no switch that turns it off. Thread-safe: pure functions apart
 * from the one-time lookup of the algorithms. */
#ifndef PA_AUDIT_H
#define PA_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define PA_AUDIT_KEY_BYTES        32
#define PA_AUDIT_MAC_BYTES        32
#define PA_AUDIT_CHECKPOINT_EVERY 1000

struct pa_db;

/* Record an event in the audit log, inside the writer's transaction (a writer job, or a
 * command's own transaction): it is committed with the change it records, or not at all.
 * actor_id: the user who did it (0 = pingan itself, or an operator at the command line);
 * action: a dotted name, e.g. "pii.reveal", "auth.login_failed"; subject: what it concerns,
 * "case:123", "user:45", "routing"; detail_json: a JSON object (NULL = {}).
 * Never put personal data in the subject or detail — no names, ID numbers, phones, addresses
 * or free text about people: case, user and unit ids, codes, field names and states only.
 * A reveal of full personal data records, e.g., pa_audit(db, actor, "pii.reveal",
 * "case:123", "{\"party\":0,\"fields\":[\"id_number\"],\"reason\":\"…\"}", pa_now()),
 * the reason being the one the user gave (kept short and about the why, never the data). */
enum pa_err pa_audit(struct pa_db *db, int64_t actor_id, const char *action, const char *subject,
		     const char *detail_json, int64_t at);

/* ---- the chain's algorithms (audit.c) ---- */

enum pa_audit_alg { PA_AUDIT_ALG_NONE, PA_AUDIT_HMAC_SM3, PA_AUDIT_HMAC_SHA256 };

/* "hmac-sm3", "hmac-sha256" (NULL for NONE); and back (NONE if unknown). */
const char *pa_audit_alg_name(enum pa_audit_alg a);
enum pa_audit_alg pa_audit_alg_from(const char *name);
/* Whether this build can compute it (HMAC-SM3 needs OpenSSL's SM3). */
bool pa_audit_alg_available(enum pa_audit_alg a);
/* The algorithm a new chain starts with: HMAC-SM3 where OpenSSL has SM3, HMAC-SHA-256
 * otherwise; PINGAN_AUDIT_ALG=hmac-sha256 (or hmac-sm3) in the environment chooses. */
enum pa_audit_alg pa_audit_alg_default(void);

/* A row as the chain sees it. */
struct pa_audit_row {
	int64_t idx, at, actor_id; /* actor 0 = pingan itself */
	const char *action, *subject, *detail;
	uint8_t prev[PA_AUDIT_MAC_BYTES], mac[PA_AUDIT_MAC_BYTES];
};

/* The MAC of row r after the row whose MAC is prev (zeros before the first row). */
enum pa_err pa_audit_mac(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES],
			 const uint8_t prev[PA_AUDIT_MAC_BYTES], const struct pa_audit_row *r,
			 uint8_t out[PA_AUDIT_MAC_BYTES]);
/* The MAC of a mark — the head ("head": the log holds idx rows, the last with mac) or a
 * checkpoint ("checkpoint": row idx has mac) — so neither can be moved back unseen. */
enum pa_err pa_audit_mark_tag(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES],
			      const char *kind, int64_t idx, const uint8_t mac[PA_AUDIT_MAC_BYTES],
			      uint8_t out[PA_AUDIT_MAC_BYTES]);
/* A short public name of a key (16 hex digits), recorded in the chain's first row so
 * verification can tell a wrong key from an edited row. */
void pa_audit_key_id(const uint8_t key[PA_AUDIT_KEY_BYTES], char out[17]);
/* The detail of the chain's first row (action "audit.start"): {"alg", "key_id"};
 * malloc'd. */
char *pa_audit_start_detail(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES]);

/* ---- verification (audit_verify.c) ---- */

/* What is wrong with the log, at the first row where something is. */
enum pa_audit_problem {
	PA_AUDIT_OK,
	PA_AUDIT_EDITED,    /* a row's content does not match its MAC */
	PA_AUDIT_INSERTED,  /* a row that pingan did not write stands in the chain */
	PA_AUDIT_DELETED,   /* a row is missing from the chain */
	PA_AUDIT_TRUNCATED, /* rows the head or a checkpoint vouches for are gone from the end */
	PA_AUDIT_WRONG_KEY, /* the key given is not the one the log was chained with */
	PA_AUDIT_MARK,      /* the head or a checkpoint is missing or does not verify */
};

struct pa_audit_report {
	enum pa_audit_problem problem;
	int64_t index; /* the first bad row (0 when the problem names none) */
	char message[512];
	/* what was verified */
	int64_t first, last; /* rows first..last were walked */
	int64_t head;        /* the rows the head says the log holds */
	int ncheckpoints;
	enum pa_audit_alg alg;
	char key_id[17];
};

/* Walk the audit chain of db (as of one moment) with key, from row 1 — or, with from > 1,
 * from the last checkpoint before row from, whose own MAC vouches for the row there — and
 * report the first problem found, or none. An error only when the log cannot be read. */
enum pa_err pa_audit_verify(struct pa_db *db, const uint8_t key[PA_AUDIT_KEY_BYTES], int64_t from,
			    struct pa_audit_report *out);
const char *pa_audit_problem_name(enum pa_audit_problem p);

/* ---- the key file (audit_key.c) ---- */

/* The key file of a database when none is given: its path + ".audit-key". */
void pa_audit_key_path_of(const char *db, char *out, size_t cap);
/* Read the key at path. It must be a pingan audit key ("pingan-audit-key-v1 " and 64 hex
 * digits), readable by its owner alone (mode 0600): anything else is refused, naming the
 * file. NOT_FOUND if there is no file. */
enum pa_err pa_audit_key_read(const char *path, uint8_t key[PA_AUDIT_KEY_BYTES]);
/* Make a new random key at path (mode 0600, synced; never replacing a file). CONFLICT if
 * one appeared meanwhile. */
enum pa_err pa_audit_key_create(const char *path, uint8_t key[PA_AUDIT_KEY_BYTES]);
/* Put key at path (mode 0600, synced), replacing any file there whole: written under a
 * temporary name first (backup and restore carry a key to its database). */
enum pa_err pa_audit_key_save(const char *path, const uint8_t key[PA_AUDIT_KEY_BYTES]);

#endif
