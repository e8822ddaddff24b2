/* sqlite_schema.c: the numbered SQLite migrations. Append only: a shipped migration is
 * never edited; schema_version records which have run. */
#include "store/sqlite_schema.h"

const char *const pa_sqlite_migrations[] = {
	/* 1: the foundation */
	"CREATE TABLE regions ("
	" code TEXT PRIMARY KEY, parent TEXT REFERENCES regions(code),"
	" level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), kind TEXT NOT NULL,"
	" name TEXT NOT NULL, lng REAL, lat REAL, boundary TEXT) WITHOUT ROWID;"
	"CREATE INDEX regions_parent ON regions(parent, code);"

	"CREATE TABLE units ("
	" id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	" kind TEXT NOT NULL, region TEXT NOT NULL REFERENCES regions(code), tier TEXT);"
	"CREATE INDEX units_region ON units(region, kind);"

	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, pw_hash TEXT NOT NULL,"
	" role TEXT NOT NULL, region TEXT NOT NULL REFERENCES regions(code),"
	" unit_id INTEGER REFERENCES units(id), name TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);"

	"CREATE TABLE sessions ("
	" token_hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
	" created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"

	"CREATE TABLE cases ("
	" id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
	" category TEXT NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL,"
	" description TEXT NOT NULL, grid TEXT NOT NULL REFERENCES regions(code),"
	" lng REAL NOT NULL, lat REAL NOT NULL, address TEXT, channel TEXT NOT NULL,"
	" fields TEXT NOT NULL DEFAULT '{}', unit_id INTEGER REFERENCES units(id),"
	" reporter_id INTEGER REFERENCES users(id), created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL, search TEXT NOT NULL);"
	"CREATE INDEX cases_grid ON cases(grid, id);"
	"CREATE INDEX cases_status ON cases(status, id);"

	"CREATE TABLE case_parties ("
	" case_id INTEGER NOT NULL REFERENCES cases(id), idx INTEGER NOT NULL,"
	" role TEXT NOT NULL, name TEXT NOT NULL, id_number TEXT, phone TEXT, address TEXT,"
	" PRIMARY KEY (case_id, idx)) WITHOUT ROWID;"

	"CREATE TABLE case_steps ("
	" id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES cases(id),"
	" action TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,"
	" from_unit INTEGER REFERENCES units(id), to_unit INTEGER REFERENCES units(id),"
	" actor_id INTEGER REFERENCES users(id), at INTEGER NOT NULL, note TEXT);"
	"CREATE INDEX case_steps_case ON case_steps(case_id, id);"

	/* Units a case has passed through: the scope of unit-bound roles. */
	"CREATE TABLE case_units (unit_id INTEGER NOT NULL, case_id INTEGER NOT NULL,"
	" PRIMARY KEY (unit_id, case_id)) WITHOUT ROWID;"

	/* Counts kept in the same transaction as every case change: stats never scan cases. */
	"CREATE TABLE stat_counts (grid TEXT NOT NULL, type TEXT NOT NULL,"
	" category TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (grid, type, category, status)) WITHOUT ROWID;"

	"CREATE TABLE idempotency (user_id INTEGER NOT NULL, key TEXT NOT NULL,"
	" req_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL, PRIMARY KEY (user_id, key)) WITHOUT ROWID;",

	/* 2: a version per case, bumped by every change to it, so a rendered case can be
	 * reused for as long as its version holds. */
	"ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;",

	/* 3: the closed loop — tier, urgency, extensions, call-back, merges, links and
	 * supervision notices. */
	"ALTER TABLE cases ADD COLUMN tier TEXT NOT NULL DEFAULT 'town';"
	"ALTER TABLE cases ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN ext_pending INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN ext_days INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN rating TEXT;"
	"ALTER TABLE cases ADD COLUMN unreasonable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN merged_into INTEGER REFERENCES cases(id);"
	"CREATE TABLE case_links (case_id INTEGER NOT NULL REFERENCES cases(id),"
	" other_id INTEGER NOT NULL REFERENCES cases(id), kind TEXT NOT NULL,"
	" at INTEGER NOT NULL, PRIMARY KEY (case_id, other_id)) WITHOUT ROWID;"
	"CREATE TABLE supervisions (id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), level TEXT NOT NULL,"
	" by_user INTEGER REFERENCES users(id), note TEXT, at INTEGER NOT NULL,"
	" due_at INTEGER);"
	"CREATE INDEX supervisions_case ON supervisions(case_id, id);",

	/* 4: routing and the phase clock — which rule routed a case and which limits it runs
	 * by; the time its phase began, its yellow and red deadlines, the time it was paused
	 * and for how long, the supervision level reached, and the next time the sweeper must
	 * look at it (indexed: the sweeper reads only the cases that are due). */
	"ALTER TABLE cases ADD COLUMN routing_rule TEXT;"
	"ALTER TABLE cases ADD COLUMN profile TEXT NOT NULL DEFAULT 'ordinary';"
	"ALTER TABLE cases ADD COLUMN phase_started INTEGER;"
	"ALTER TABLE cases ADD COLUMN due_yellow INTEGER;"
	"ALTER TABLE cases ADD COLUMN due_red INTEGER;"
	"ALTER TABLE cases ADD COLUMN paused_at INTEGER;"
	"ALTER TABLE cases ADD COLUMN paused_days INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN paused_secs INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN sup_level TEXT NOT NULL DEFAULT 'none';"
	"ALTER TABLE cases ADD COLUMN next_due INTEGER;"
	"CREATE INDEX cases_next_due ON cases(next_due) WHERE next_due IS NOT NULL;",

	/* 5: statistics kept as the cases change — events per grid × month × type × category
	 * (reported, accepted, closed on time or overdue, ratings, supervision notices …) —
	 * and whether a case has ever passed its red limit. */
	"CREATE TABLE stat_month (grid TEXT NOT NULL, month INTEGER NOT NULL,"
	" type TEXT NOT NULL, category TEXT NOT NULL, metric TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (grid, month, type, category, metric)) WITHOUT ROWID;"
	"ALTER TABLE cases ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0;",

	/* 6: records kept by actions — mediation sessions, agreements, votes … — as the JSON
	 * of the fields their case type defines. */
	"CREATE TABLE case_records (id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), kind TEXT NOT NULL,"
	" data TEXT NOT NULL, actor_id INTEGER REFERENCES users(id), at INTEGER NOT NULL);"
	"CREATE INDEX case_records_case ON case_records(case_id, id);",

	/* 7: attachments — photos, scans, signed agreements — kept as files under their
	 * content hash; the case holds the hash, the type the content showed, the size and the
	 * name it was given. */
	"CREATE TABLE case_attachments (case_id INTEGER NOT NULL REFERENCES cases(id),"
	" sha256 TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL, name TEXT NOT NULL,"
	" actor_id INTEGER REFERENCES users(id), at INTEGER NOT NULL,"
	" PRIMARY KEY (case_id, sha256)) WITHOUT ROWID;",

	/* 8: the query code a reporter follows a case by (tip-offs): kept only as its hash. */
	"ALTER TABLE cases ADD COLUMN query_hash TEXT;"
	"CREATE UNIQUE INDEX cases_query ON cases(query_hash) WHERE query_hash IS NOT NULL;",

	/* 9: statistics for cases that predate them (a database upgraded past migration 5):
	 * their report as an event of the month they came in, and those past red. Run on a
	 * database migrated at once from before 5, nothing has been counted twice. */
	"INSERT INTO stat_month (grid, month, type, category, metric, n)"
	" SELECT grid, CAST(strftime('%Y%m', created_at + 8 * 3600, 'unixepoch') AS INTEGER),"
	" type, category, 'reported', count(*) FROM cases"
	" WHERE NOT EXISTS (SELECT 1 FROM stat_month) GROUP BY 1, 2, 3, 4;"
	"UPDATE cases SET overdue = 1 WHERE sup_level = 'red' AND overdue = 0;",

	/* 10: a manual supervision (督办) wants a report by its deadline: the report, when it
	 * came, and whether the deadline passed without one (the sweeper marks that, once). */
	"ALTER TABLE supervisions ADD COLUMN report TEXT;"
	"ALTER TABLE supervisions ADD COLUMN reported_at INTEGER;"
	"ALTER TABLE supervisions ADD COLUMN late INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX supervisions_open ON supervisions(due_at)"
	" WHERE level = 'manual' AND reported_at IS NULL AND late = 0;",

	/* 11: a date a case type watches (watch = FIELD: a hazard's 整改期限) — the end of that
	 * day, whether the case's state is one it is watched in (until the work is reported
	 * done), and when the sweeper marked it passed, once. The index holds only the cases
	 * still watched and unmarked: the sweeper's work follows the cases due, not all open. */
	"ALTER TABLE cases ADD COLUMN watch_due INTEGER;"
	"ALTER TABLE cases ADD COLUMN watch_open INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN watch_marked_at INTEGER;"
	"CREATE INDEX cases_watch_due ON cases(watch_due)"
	" WHERE watch_open = 1 AND watch_marked_at IS NULL;",
	/* 12: the routing rules as recorded versions — the full text, its hash, where it came
	 * from (data/routing.conf found changed at start-up, or an edit through the API by a
	 * user, with the reason) — and the version that routed each case beside its rule; an
	 * audit log of changes to what governs cases (who, what, when, details as JSON). */
	"CREATE TABLE routing_versions (version INTEGER PRIMARY KEY, rules TEXT NOT NULL,"
	" sha256 TEXT NOT NULL, source TEXT NOT NULL CHECK (source IN ('file', 'api')),"
	" actor_id INTEGER REFERENCES users(id), reason TEXT NOT NULL, at INTEGER NOT NULL,"
	" CHECK ((source = 'api') = (actor_id IS NOT NULL)));"
	"CREATE INDEX routing_versions_source ON routing_versions(source, version);"
	"ALTER TABLE cases ADD COLUMN routing_version INTEGER"
	" REFERENCES routing_versions(version);"
	"CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" actor_id INTEGER REFERENCES users(id), action TEXT NOT NULL, subject TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '{}');",

	/* 13: events counted per unit as well — the unit holding the case when it happened
	 * (the one that received, accepted, closed, was supervised or rated) — so /stats can
	 * rank units as well as regions. Events counted before carry unit 0 (not known). */
	"CREATE TABLE stat_month_u (grid TEXT NOT NULL, month INTEGER NOT NULL,"
	" type TEXT NOT NULL, category TEXT NOT NULL, metric TEXT NOT NULL,"
	" unit_id INTEGER NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (grid, month, type, category, metric, unit_id)) WITHOUT ROWID;"
	"INSERT INTO stat_month_u SELECT grid, month, type, category, metric, 0, n"
	" FROM stat_month;"
	"DROP TABLE stat_month;"
	"ALTER TABLE stat_month_u RENAME TO stat_month;",

	/* 14: idempotency keys are forgotten after a retention period (30 days by default):
	 * by age, so the sweeper's pruning reads only the keys due to go. */
	"CREATE INDEX idempotency_age ON idempotency(created_at);",

	/* 15: the audit log as a chain of keyed hashes (store/audit.h). Each row has its index
	 * (1, 2, 3 … without gaps), the MAC of the row before it and its own; the head says how
	 * many rows there are and the last MAC, a checkpoint every 1000 rows what the MAC was
	 * there, each with a MAC of its own. The first row names the algorithm and the key; the
	 * rows logged before (routing versions) follow it into the chain, chained in C
	 * (sqlite.c) once this has run. Rows are never changed or deleted: the triggers refuse
	 * it, and the chain shows whoever goes round them. */
	"ALTER TABLE audit_log RENAME TO audit_log_v12;"
	"CREATE TABLE audit_log (idx INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" actor_id INTEGER, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL,"
	" prev BLOB NOT NULL, mac BLOB NOT NULL);"
	"CREATE INDEX audit_log_subject ON audit_log(subject, idx);"
	"CREATE INDEX audit_log_actor ON audit_log(actor_id, idx);"
	"CREATE TABLE audit_head (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL,"
	" mac BLOB NOT NULL, tag BLOB NOT NULL, alg TEXT NOT NULL);"
	"CREATE TABLE audit_checkpoints (idx INTEGER PRIMARY KEY, mac BLOB NOT NULL,"
	" tag BLOB NOT NULL, at INTEGER NOT NULL);"
	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"
	"CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;"
	"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
	" BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted'); END;",

	/* 16: personal data sealed (core/seal.h): each case's random seal id, which the
	 * associated data of its sealed values names; the blind index of the ID numbers and
	 * phones in a case, so a person's cases are found without their plaintext; and a probe
	 * sealed under the key in use, so a start with another key file is refused. */
	"ALTER TABLE cases ADD COLUMN seal_id TEXT;"
	"CREATE TABLE case_persons (bidx TEXT NOT NULL,"
	" case_id INTEGER NOT NULL REFERENCES cases(id), PRIMARY KEY (bidx, case_id))"
	" WITHOUT ROWID;"
	"CREATE TABLE pii_key (id INTEGER PRIMARY KEY CHECK (id = 1), probe TEXT NOT NULL);",

	/* 17: log-in security — when a password was set and whether someone else set it (to be
	 * replaced at first log-in); the second factor (RFC 6238 key, a key awaiting its first
	 * code, the last time step a code was taken for, so none is taken twice; demo accounts
	 * exempt) and its one-time recovery codes, kept only as hashes; failed log-ins under a
	 * username, whether or not an account has it, and the lock they led to; when each
	 * session was last used (idle expiry) and what it must do before anything else. */
	"ALTER TABLE users ADD COLUMN pw_changed_at INTEGER;"
	"ALTER TABLE users ADD COLUMN pw_must_change INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN totp_secret BLOB;"
	"ALTER TABLE users ADD COLUMN totp_next BLOB;"
	"ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN totp_exempt INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE recovery_codes (user_id INTEGER NOT NULL REFERENCES users(id),"
	" code_hash TEXT NOT NULL, used_at INTEGER,"
	" PRIMARY KEY (user_id, code_hash)) WITHOUT ROWID;"
	"CREATE TABLE login_failures (username TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
	" first_at INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN needs INTEGER NOT NULL DEFAULT 0;"
	"UPDATE sessions SET last_seen = created_at;"
	"CREATE INDEX sessions_user ON sessions(user_id);",

	/* 18: the accounts of a unit, counted on the administrators' list of units. The orders
	 * a case list may take (sort=) get no index here, unlike PostgreSQL's migration 3:
	 * SQLite's planner reads the caller's area by cases_grid and sorts it whatever index
	 * is offered, so an index by red limit or by last change would only be kept up to
	 * date at every step of every case, for nothing. */
	"CREATE INDEX users_unit ON users(unit_id);",

	/* 19: several cities in one database (a province's). A city is the first six
	 * characters of a region code (core/city.h); every region, unit, user and case and
	 * the counters kept with them carry theirs, and every read is bounded by it beside the
	 * region. Unit codes are unique within a city, not across the database, and a region
	 * may be a province (level 0, its two-digit prefix), so units and regions are rebuilt:
	 * their constraints are in their columns (migrate checks the foreign keys after). Case
	 * numbers run per city: the counter of each year is copied to every city there is, so
	 * no number is given twice. No index of the city: in one file of a county the region's
	 * index (grid, id) finds the rows, the city bound is checked on each (sqlite.c). */
	"CREATE TABLE regions_v19 ("
	" code TEXT PRIMARY KEY, parent TEXT REFERENCES regions(code),"
	" level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4), kind TEXT NOT NULL,"
	" name TEXT NOT NULL, lng REAL, lat REAL, boundary TEXT, city TEXT NOT NULL)"
	" WITHOUT ROWID;"
	"INSERT INTO regions_v19 SELECT code, parent, level, kind, name, lng, lat, boundary,"
	" substr(code, 1, 6) FROM regions;"
	"DROP TABLE regions;"
	"ALTER TABLE regions_v19 RENAME TO regions;"
	"CREATE INDEX regions_parent ON regions(parent, code);"
	"CREATE TABLE units_v19 ("
	" id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,"
	" kind TEXT NOT NULL, region TEXT NOT NULL REFERENCES regions(code), tier TEXT,"
	" city TEXT NOT NULL, UNIQUE (city, code));"
	"INSERT INTO units_v19 SELECT id, code, name, kind, region, tier, substr(region, 1, 6)"
	" FROM units;"
	"DROP TABLE units;"
	"ALTER TABLE units_v19 RENAME TO units;"
	"CREATE INDEX units_region ON units(region, kind);"
	"ALTER TABLE users ADD COLUMN city TEXT NOT NULL DEFAULT '';"
	"UPDATE users SET city = substr(region, 1, 6);"
	"ALTER TABLE cases ADD COLUMN city TEXT NOT NULL DEFAULT '';"
	"UPDATE cases SET city = substr(grid, 1, 6);"
	"ALTER TABLE stat_counts ADD COLUMN city TEXT NOT NULL DEFAULT '';"
	"UPDATE stat_counts SET city = substr(grid, 1, 6);"
	"ALTER TABLE stat_month ADD COLUMN city TEXT NOT NULL DEFAULT '';"
	"UPDATE stat_month SET city = substr(grid, 1, 6);"
	"INSERT INTO counters (name, value) SELECT 'case_number:' || r.city || ':'"
	" || substr(c.name, 13), c.value FROM counters c,"
	" (SELECT DISTINCT city FROM regions WHERE length(city) = 6) r"
	" WHERE c.name GLOB 'case_number:[0-9][0-9][0-9][0-9]';"
	"DELETE FROM counters WHERE name GLOB 'case_number:[0-9][0-9][0-9][0-9]';",

	/* 20: the rates divide by the cases reported in a period, and count above them only
	 * cases of that cohort (docs/statistics.md): closed now (reported_closed) and ever past
	 * a red limit (reported_overdue), kept in the month of the report from now on. Which
	 * states are closed is the catalog's, not the schema's: the start that opens the
	 * database next counts them from the cases (stats_refill) and clears this mark. */
	("INSERT INTO counters (name, value) VALUES ('stats_refill', 1)"
	 " ON CONFLICT (name) DO NOTHING;"),
};

const int pa_sqlite_nmigrations =
	(int)(sizeof pa_sqlite_migrations / sizeof pa_sqlite_migrations[0]);
