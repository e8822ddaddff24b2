/* pg_admin.c: regions, units, users and sessions on PostgreSQL (as sqlite.c keeps them). */
#include <stdio.h>
#include <string.h>

#include "store/pg.h"

static enum pa_err pg_region_put(struct pa_db *db, const struct pa_region_in *r)
{
	struct pg *d = PG(db);
	/* A conflict is answered without an error of the statement, which would end the whole
	 * transaction on PostgreSQL (on SQLite only the statement fails): the caller may go
	 * on, as it may there. The same for the puts below. */
	static const char sql[] =
		"INSERT INTO regions (code, parent, level, kind, name, lng, lat, boundary, city)"
		" SELECT $1,$2,$3,$4,$5,$6,$7,$8, substr($1, 1, 6) WHERE $2::text IS NULL"
		" OR EXISTS (SELECT 1 FROM regions WHERE code = $2) ON CONFLICT DO NOTHING";
	struct pg_args a = {0};
	pg_text(&a, r->code);
	pg_text(&a, r->parent);
	pg_int(&a, r->level);
	pg_text(&a, r->kind);
	pg_text(&a, r->name);
	pg_dbl(&a, r->lng);
	pg_dbl(&a, r->lat);
	pg_text(&a, r->boundary);
	int64_t n = 0;
	enum pa_err e = pg_do(d, sql, &a, "region insert", &n);
	if (e)
		return e;
	if (n != 1)
		return pa_errf(PA_CONFLICT, NULL,
			       "region insert: the code %s is taken or its parent unknown",
			       r->code);
	return pg_audit_json(d, 0, "region.create", "region", 0, r->code,
			     json_pack("{s:i, s:s?, s:o}", "level", r->level, "kind", r->kind,
				       "parent", r->parent ? json_string(r->parent) : json_null()));
}

static json_t *json_s(const PGresult *r, int i, int c)
{
	return pg_null(r, i, c) ? json_null() : json_string(pg_s(r, i, c));
}

static json_t *region_row(const PGresult *r, int i)
{
	json_t *o = json_pack("{s:s, s:o, s:i, s:s, s:s, s:f, s:f, s:i}", "code", pg_s(r, i, 0),
			      "parent", json_s(r, i, 1), "level", (int)pg_i(r, i, 2), "kind",
			      pg_s(r, i, 3), "name", pg_s(r, i, 4), "lng", pg_d(r, i, 5), "lat",
			      pg_d(r, i, 6), "children", (int)pg_i(r, i, 8));
	if (!pg_null(r, i, 7)) {
		json_t *ring = json_loads(pg_s(r, i, 7), 0, NULL);
		if (ring)
			json_object_set_new(
				o, "boundary",
				json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring));
	}
	return o;
}

#define REGION_COLS                                                            \
	"r.code, r.parent, r.level, r.kind, r.name, r.lng, r.lat, r.boundary," \
	" (SELECT count(*) FROM regions k WHERE k.parent = r.code)"

static enum pa_err pg_region_get(struct pa_db *db, const char *code, json_t **out)
{
	struct pg *d = PG(db);
	static const char sql[] = "SELECT " REGION_COLS " FROM regions r WHERE r.code = $1";
	static const char up[] = "WITH RECURSIVE p(code, parent, name, level) AS ("
				 " SELECT code, parent, name, level FROM regions WHERE code = $1"
				 " UNION ALL SELECT r.code, r.parent, r.name, r.level"
				 " FROM regions r JOIN p ON r.code = p.parent WHERE r.level > 0)"
				 " SELECT code, name FROM p ORDER BY level";
	struct pg_args a = {0};
	pg_text(&a, code);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &a, "region get", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_NOT_FOUND, NULL, "no region with code %s", code);
	}
	*out = region_row(r, 0);
	PQclear(r);
	/* the path from the city down, for breadcrumbs */
	json_t *path = json_array();
	json_object_set_new(*out, "path", path);
	if (!(r = pg_run(d, up, &a, "region path", &e))) {
		json_decref(*out);
		*out = NULL;
		return e;
	}
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(path, json_pack("{s:s, s:s}", "code", pg_s(r, i, 0), "name",
						      pg_s(r, i, 1)));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_region_children(struct pa_db *db, const char *parent, json_t **out)
{
	static const char sql[] = "SELECT " REGION_COLS " FROM regions r WHERE r.parent = $1"
				  " ORDER BY r.code";
	struct pg_args a = {0};
	pg_text(&a, parent);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "region children", &e);
	if (!r)
		return e;
	*out = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*out, region_row(r, i));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_grids_each(struct pa_db *db, pa_grid_cb cb, void *arg)
{
	static const char sql[] = "SELECT code, name, boundary FROM regions WHERE level = 4"
				  " AND boundary IS NOT NULL ORDER BY code";
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, NULL, "grids", &e);
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r); i++)
		cb(arg, pg_s(r, i, 0), pg_s(r, i, 1), pg_s(r, i, 2));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_unit_put(struct pa_db *db, const struct pa_unit_in *u, int64_t *id)
{
	struct pg *d = PG(db);
	static const char sql[] =
		"INSERT INTO units (code, name, kind, region, tier, city)"
		" SELECT $1,$2,$3,$4,$5, substr($4, 1, 6) WHERE EXISTS (SELECT 1 FROM regions"
		" WHERE code = $4) ON CONFLICT DO NOTHING RETURNING id";
	struct pg_args a = {0};
	pg_text(&a, u->code);
	pg_text(&a, u->name);
	pg_text(&a, u->kind);
	pg_text(&a, u->region);
	pg_text(&a, u->tier);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &a, "unit insert", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_CONFLICT, NULL,
			       "unit insert: the code %s is taken or its region unknown", u->code);
	}
	int64_t uid = pg_i(r, 0, 0);
	PQclear(r);
	if (id)
		*id = uid;
	return pg_audit_json(d, u->by, "unit.create", "unit", uid, NULL,
			     json_pack("{s:s?, s:s?, s:s?, s:o, s:s?}", "code", u->code, "kind",
				       u->kind, "region", u->region, "tier",
				       u->tier ? json_string(u->tier) : json_null(), "from",
				       u->from));
}

static json_t *unit_row(const PGresult *r, int i)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)pg_i(r, i, 0), "code",
			 pg_s(r, i, 1), "name", pg_s(r, i, 2), "kind", pg_s(r, i, 3), "region",
			 pg_s(r, i, 4), "tier", json_s(r, i, 5));
}

static enum pa_err pg_unit_get(struct pa_db *db, int64_t id, json_t **out)
{
	static const char sql[] =
		"SELECT id, code, name, kind, region, tier FROM units WHERE id = $1";
	struct pg_args a = {0};
	pg_int(&a, id);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "unit get", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1)
		*out = unit_row(r, 0);
	else
		e = pa_errf(PA_NOT_FOUND, "unit_id", "no unit with id %lld", (long long)id);
	PQclear(r);
	return e;
}

static enum pa_err pg_unit_page(struct pa_db *db, const char *region, const char *kind,
				int64_t after, int max, json_t **items, int64_t *next)
{
	static const char sql[] =
		"SELECT u.id, u.code, u.name, u.kind, u.region, u.tier,"
		" (SELECT count(*) FROM users x WHERE x.unit_id = u.id) FROM units u"
		" WHERE u.region >= $1 AND u.region < $1 || '~' AND" CITY_BOUND(
			"u.city", "$1::text") " AND ($2::text IS NULL OR u.kind = $2) AND u.id > "
					      "$3 ORDER BY u.id LIMIT $4";
	struct pg_args a = {0};
	pg_text(&a, region);
	pg_text(&a, kind);
	pg_int(&a, after);
	pg_int(&a, max + 1);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "unit page", &e);
	if (!r)
		return e;
	*items = json_array();
	*next = 0;
	int n = PQntuples(r);
	for (int i = 0; i < n && i < max; i++) {
		json_t *o = unit_row(r, i);
		json_object_set_new(o, "users", json_integer(pg_i(r, i, 6)));
		json_array_append_new(*items, o);
	}
	if (n > max)
		*next = pg_i(r, max - 1, 0);
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_unit_update(struct pa_db *db, int64_t id, const struct pa_unit_in *u)
{
	json_t *was = NULL;
	enum pa_err e = pg_unit_get(db, id, &was);
	if (e)
		return e;
	static const char sql[] = "UPDATE units SET name = $1, kind = $2, tier = $3 WHERE id = $4";
	struct pg_args a = {0};
	pg_text(&a, u->name);
	pg_text(&a, u->kind);
	pg_text(&a, u->tier);
	pg_int(&a, id);
	PGresult *r = pg_run(PG(db), sql, &a, "unit update", &e);
	if (!r) {
		json_decref(was);
		return e;
	}
	PQclear(r);
	json_object_del(was, "id");
	return pg_audit_json(PG(db), u->by, "unit.update", "unit", id, NULL,
			     json_pack("{s:s?, s:s?, s:s?, s:o, s:s?}", "name", u->name, "kind",
				       u->kind, "tier", u->tier, "was", was, "from", u->from));
}

static enum pa_err pg_unit_find(struct pa_db *db, const char *region, const char *kind, int64_t *id,
				char *name, size_t cap)
{
	static const char sql[] = "SELECT id, name FROM units WHERE region = $1 AND kind = $2"
				  " ORDER BY id LIMIT 1";
	struct pg_args a = {0};
	pg_text(&a, region);
	pg_text(&a, kind);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "unit find", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		*id = pg_i(r, 0, 0);
		if (name)
			snprintf(name, cap, "%s", pg_s(r, 0, 1));
	} else
		e = pa_errf(PA_NOT_FOUND, NULL, "no %s unit for region %s", kind, region);
	PQclear(r);
	return e;
}

static enum pa_err pg_unit_by_code(struct pa_db *db, const char *city, const char *code,
				   int64_t *id, char *name, size_t cap, char region[16])
{
	static const char sql[] = "SELECT id, name, region FROM units WHERE code = $1"
				  " AND ($2::text IS NULL OR city = $2) ORDER BY id LIMIT 1";
	struct pg_args a = {0};
	pg_text(&a, code);
	pg_text(&a, city);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "unit by code", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		*id = pg_i(r, 0, 0);
		if (name)
			snprintf(name, cap, "%s", pg_s(r, 0, 1));
		if (region)
			snprintf(region, 16, "%s", pg_s(r, 0, 2));
	} else
		e = pa_errf(PA_NOT_FOUND, NULL, "no unit with code %s", code);
	PQclear(r);
	return e;
}

/* ---- users and sessions ---- */

static enum pa_err pg_user_put(struct pa_db *db, const struct pa_user_in *u, int64_t *id)
{
	struct pg *d = PG(db);
	static const char sql[] =
		"INSERT INTO users (username, pw_hash, role, region, unit_id, name, created_at,"
		" pw_changed_at, pw_must_change, totp_exempt, city)"
		" SELECT $1,$2,$3,$4,$5,$6,$7,$7,$8,$9, substr($4, 1, 6) WHERE EXISTS (SELECT 1 "
		"FROM regions WHERE "
		"code = $4)"
		" AND ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM units WHERE id = $5))"
		" ON CONFLICT DO NOTHING RETURNING id";
	static const char taken[] = "SELECT 1 FROM users WHERE username = $1";
	struct pg_args a = {0};
	pg_text(&a, u->username);
	pg_text(&a, u->pw_hash);
	pg_text(&a, u->role);
	pg_text(&a, u->region);
	pg_id(&a, u->unit_id);
	pg_text(&a, u->name ? u->name : "");
	pg_int(&a, u->created_at);
	pg_int(&a, u->must_change);
	pg_int(&a, u->totp_exempt);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &a, "user insert", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		struct pg_args t = {0};
		pg_text(&t, u->username);
		if (!(r = pg_run(d, taken, &t, "user insert", &e)))
			return e;
		bool is_taken = PQntuples(r) == 1;
		PQclear(r);
		return is_taken
			       ? pa_errf(PA_CONFLICT, "username", "the username %s is taken",
					 u->username)
			       : pa_errf(PA_BAD_FIELD, NULL, "unknown region or unit for the user");
	}
	int64_t uid = pg_i(r, 0, 0);
	PQclear(r);
	if (id)
		*id = uid;
	/* an account and the role it is given: a grant of permissions */
	return pg_audit_json(d, u->by, "user.create", "user", uid, NULL,
			     json_pack("{s:s?, s:s?, s:o, s:s*}", "role", u->role, "region",
				       u->region, "unit", pg_jid(u->unit_id), "from", u->from));
}

void pg_user_from(const PGresult *r, int i, struct pa_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = pg_i(r, i, 0);
	snprintf(u->username, sizeof u->username, "%s", pg_s(r, i, 1));
	snprintf(u->role, sizeof u->role, "%s", pg_s(r, i, 2));
	snprintf(u->region, sizeof u->region, "%s", pg_s(r, i, 3));
	u->unit_id = pg_i(r, i, 4);
	snprintf(u->name, sizeof u->name, "%s", pg_s(r, i, 5));
	snprintf(u->unit_name, sizeof u->unit_name, "%s", pg_s(r, i, 6));
}

static enum pa_err pg_user_by_name(struct pa_db *db, const char *username, struct pa_user *u,
				   char *hash, size_t cap)
{
	static const char sql[] =
		"SELECT u.id, u.username, u.role, u.region, u.unit_id, u.name,"
		" un.name, u.pw_hash FROM users u LEFT JOIN units un ON un.id = u.unit_id"
		" WHERE u.username = $1 AND u.disabled = 0";
	struct pg_args a = {0};
	pg_text(&a, username);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "user get", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		pg_user_from(r, 0, u);
		snprintf(hash, cap, "%s", pg_s(r, 0, 7));
	} else
		e = PA_NOT_FOUND;
	PQclear(r);
	return e;
}

static enum pa_err pg_session_put(struct pa_db *db, const uint8_t hash[32], int64_t user_id,
				  int64_t now, int64_t expires, unsigned needs)
{
	static const char sql[] = "INSERT INTO sessions (token_hash, user_id, created_at,"
				  " expires_at, last_seen, needs) VALUES ($1,$2,$3,$4,$3,$5)";
	struct pg_args a = {0};
	pg_bytes(&a, hash, 32);
	pg_int(&a, user_id);
	pg_int(&a, now);
	pg_int(&a, expires);
	pg_int(&a, needs);
	return pg_do(PG(db), sql, &a, "session insert", NULL);
}

static enum pa_err pg_session_user(struct pa_db *db, const uint8_t hash[32], int64_t now,
				   struct pa_user *u)
{
	static const char sql[] =
		"SELECT u.id, u.username, u.role, u.region, u.unit_id, u.name,"
		" un.name, s.expires_at, s.last_seen, s.needs"
		" FROM sessions s JOIN users u ON u.id = s.user_id"
		" LEFT JOIN units un ON un.id = u.unit_id"
		" WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0";
	struct pg_args a = {0};
	pg_bytes(&a, hash, 32);
	pg_int(&a, now);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "session get", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		pg_user_from(r, 0, u);
		u->session_expires = pg_i(r, 0, 7);
		u->session_seen = pg_i(r, 0, 8);
		u->session_needs = (unsigned)pg_i(r, 0, 9);
	} else
		e = PA_NOT_FOUND;
	PQclear(r);
	return e;
}

static enum pa_err pg_session_delete(struct pa_db *db, const uint8_t hash[32])
{
	static const char sql[] = "DELETE FROM sessions WHERE token_hash = $1";
	struct pg_args a = {0};
	pg_bytes(&a, hash, 32);
	return pg_do(PG(db), sql, &a, "session delete", NULL);
}

void pg_ops_admin(struct pa_store_ops *o)
{
	o->region_put = pg_region_put;
	o->region_get = pg_region_get;
	o->region_children = pg_region_children;
	o->grids_each = pg_grids_each;
	o->unit_put = pg_unit_put;
	o->unit_get = pg_unit_get;
	o->unit_page = pg_unit_page;
	o->unit_update = pg_unit_update;
	o->unit_find = pg_unit_find;
	o->unit_by_code = pg_unit_by_code;
	o->user_put = pg_user_put;
	o->user_by_name = pg_user_by_name;
	o->session_put = pg_session_put;
	o->session_user = pg_session_user;
	o->session_delete = pg_session_delete;
}
