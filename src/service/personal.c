/* personal.c: personal data at the store boundary — sealed on the way in (parties' names,
 * ID numbers, phones and addresses, a case type's phone fields) with the blind indexes of
 * the people, opened on the way out; the key at start-up (the probe that refuses a wrong
 * key file, the one-time sealing of cases written before); and the audited full reveal. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "core/log.h"
#include "core/pii.h"
#include "core/seal.h"
#include "core/text.h"
#include "service/internal.h"

static const char probe_ad[] = "pii_key.probe";
static const char probe_text[] = "pingan personal data key";

/* What a value is bound to: its table and column, the case's seal id, the party's place. */
static const char *party_ad(struct pa_arena *a, const char *col, const char *seal_id, int idx)
{
	return pa_sprintf(a, "case_parties.%s:%s:%d", col, seal_id, idx);
}

static const char *field_ad(struct pa_arena *a, const char *code, const char *seal_id)
{
	return pa_sprintf(a, "cases.fields.%s:%s", code, seal_id);
}

/* The forms a person is found by: an ID number with a capital X, a phone without its dash. */
static void normal_phone(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 1 < cap; s++)
		if (*s != '-' && *s != ' ')
			out[o++] = *s;
	out[o] = 0;
}

static void normal_idno(const char *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s);
	for (char *p = out; *p; p++)
		if (*p == 'x')
			*p = 'X';
}

enum pa_err pa_person_index(const struct pa_app *app, const char *who, char out[65])
{
	char n[32];
	if (who && pa_idno_valid(who)) {
		normal_idno(who, n, sizeof n);
		pa_seal_index(app->seal, "idno", n, out);
	} else if (who && pa_phone_valid(who)) {
		normal_phone(who, n, sizeof n);
		pa_seal_index(app->seal, "phone", n, out);
	} else
		return pa_errf(PA_BAD_QUERY, "person",
			       "person must be a resident ID number or a phone number");
	return PA_OK;
}

struct persons {
	const char **v;
	int n, cap;
};

static void person_add(struct pa_arena *a, const struct pa_app *app, struct persons *p,
		       const char *kind, const char *value)
{
	char n[32], h[65];
	if (!value || !*value)
		return;
	if (strcmp(kind, "idno") == 0)
		normal_idno(value, n, sizeof n);
	else
		normal_phone(value, n, sizeof n);
	pa_seal_index(app->seal, kind, n, h);
	p->v = pa_grow(a, p->v, p->n, &p->cap, sizeof *p->v);
	p->v[p->n++] = pa_strdup(a, h);
}

/* A protected reporter is left out of the blind index: finding the tip-offs a person made
 * by their ID number would tell who reported them. */
static bool protected_reporter(const struct pa_casetype *t, const char *role)
{
	return t && t->protect_reporter && role && strcmp(role, "reporter") == 0;
}

enum pa_err pa_case_seal(const struct pa_app *app, struct pa_arena *a, struct pa_case_in *in)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, in->type);
	if (!in->seal_id) {
		unsigned char r[16];
		char *id = pa_alloc(a, 33);
		randombytes_buf(r, sizeof r);
		sodium_bin2hex(id, 33, r, sizeof r);
		in->seal_id = id;
	}
	struct persons ps = {0};
	struct pa_party_in *sealed = pa_alloc(a, sizeof *sealed * (size_t)(in->nparties + 1));
	for (int i = 0; i < in->nparties; i++) {
		const struct pa_party_in *p = &in->parties[i];
		if (!protected_reporter(t, p->role)) {
			person_add(a, app, &ps, "idno", p->id_number);
			person_add(a, app, &ps, "phone", p->phone);
		}
		sealed[i] = (struct pa_party_in){
			.role = p->role,
			.name = pa_seal(a, app->seal, party_ad(a, "name", in->seal_id, i), p->name),
			.id_number = pa_seal(a, app->seal, party_ad(a, "id_number", in->seal_id, i),
					     p->id_number),
			.phone = pa_seal(a, app->seal, party_ad(a, "phone", in->seal_id, i),
					 p->phone),
			.address = pa_seal(a, app->seal, party_ad(a, "address", in->seal_id, i),
					   p->address),
		};
	}
	in->parties = sealed;
	json_t *f = in->fields_json ? json_loads(in->fields_json, 0, NULL) : NULL;
	bool changed = false;
	for (int i = 0; f && t && i < t->nfields; i++) {
		const char *v = json_string_value(json_object_get(f, t->fields[i].code));
		if (t->fields[i].type != PA_FIELD_PHONE || !v || pa_sealed(v))
			continue;
		person_add(a, app, &ps, "phone", v);
		json_object_set_new(
			f, t->fields[i].code,
			json_string(pa_seal(a, app->seal,
					    field_ad(a, t->fields[i].code, in->seal_id), v)));
		changed = true;
	}
	if (changed) {
		char *s = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
		in->fields_json = pa_strdup(a, s);
		free(s);
	}
	json_decref(f);
	in->persons = ps.v;
	in->npersons = ps.n;
	return PA_OK;
}

enum pa_err pa_case_unseal(const struct pa_app *app, struct pa_arena *a, struct pa_case_row *row)
{
	const char *sid = row->seal_id ? row->seal_id : "";
	enum pa_err rc = PA_OK;
	for (int i = 0; !rc && i < row->nparties; i++) {
		struct pa_party_row *p = &row->parties[i];
		if ((rc = pa_unseal(a, app->seal, party_ad(a, "name", sid, i), p->name,
				    &p->name)) ||
		    (rc = pa_unseal(a, app->seal, party_ad(a, "id_number", sid, i), p->id_number,
				    &p->id_number)) ||
		    (rc = pa_unseal(a, app->seal, party_ad(a, "phone", sid, i), p->phone,
				    &p->phone)))
			break;
		rc = pa_unseal(a, app->seal, party_ad(a, "address", sid, i), p->address,
			       &p->address);
	}
	const struct pa_casetype *t = pa_catalog_type(app->cat, row->type);
	if (rc || !t || !row->fields || !strstr(row->fields, PA_SEAL_PREFIX))
		return rc;
	json_t *f = json_loads(row->fields, 0, NULL);
	for (int i = 0; f && !rc && i < t->nfields; i++) {
		const char *v = json_string_value(json_object_get(f, t->fields[i].code)), *plain;
		if (t->fields[i].type != PA_FIELD_PHONE || !pa_sealed(v))
			continue;
		if (!(rc = pa_unseal(a, app->seal, field_ad(a, t->fields[i].code, sid), v, &plain)))
			json_object_set_new(f, t->fields[i].code, json_string(plain));
	}
	if (f && !rc) {
		char *s = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
		row->fields = pa_strdup(a, s);
		free(s);
	}
	json_decref(f);
	return rc;
}

enum pa_err pa_case_get_open(struct pa_db *db, const struct pa_app *app, const struct pa_scope *s,
			     int64_t id, struct pa_arena *a, struct pa_case_row *out)
{
	enum pa_err rc = db->ops->case_get(db, s, id, a, out);
	return rc ? rc : pa_case_unseal(app, a, out);
}

/* ---- start-up ---- */

/* The key must be the one the database's data was sealed with: a probe sealed under it
 * is kept in the database and must open. */
static enum pa_err probe(struct pa_app *app, struct pa_db *w, const char *key_path)
{
	struct pa_arena a;
	pa_arena_init(&a);
	char *stored = NULL;
	const char *plain = NULL;
	enum pa_err rc =
		w->ops->seal_probe(w, pa_seal(&a, app->seal, probe_ad, probe_text), &stored);
	if (!rc && (pa_unseal(&a, app->seal, probe_ad, stored, &plain) || !pa_sealed(stored) ||
		    strcmp(plain, probe_text) != 0))
		rc = pa_errf(PA_INTERNAL, NULL,
			     "the personal-data key file %s is not the key this database's "
			     "personal data was sealed with: give the right one with --pii-key",
			     key_path);
	free(stored);
	pa_arena_free(&a);
	return rc;
}

/* Cases written before sealing are sealed once, a batch per transaction: a case is done
 * when it has its seal id, so an interrupted pass goes on where it stopped. */
static enum pa_err seal_old(struct pa_app *app, struct pa_db *w)
{
	static const struct pa_scope everywhere = {.region = ""};
	int64_t ids[200], after = 0, total = 0;
	int n = 0;
	enum pa_err rc;
	do {
		if ((rc = w->ops->begin(w)))
			return rc;
		rc = w->ops->plain_cases(w, after, 200, ids, &n);
		for (int i = 0; !rc && i < n; i++) {
			struct pa_arena a;
			pa_arena_init(&a);
			struct pa_case_row row;
			if (!(rc = w->ops->case_get(w, &everywhere, ids[i], &a, &row))) {
				struct pa_party_in *p =
					pa_alloc(&a, sizeof *p * (size_t)(row.nparties + 1));
				for (int k = 0; k < row.nparties; k++)
					p[k] = (struct pa_party_in){
						row.parties[k].role, row.parties[k].name,
						row.parties[k].id_number, row.parties[k].phone,
						row.parties[k].address};
				struct pa_case_in in = {.type = row.type,
							.fields_json = row.fields,
							.nparties = row.nparties,
							.parties = p};
				if (!(rc = pa_case_seal(app, &a, &in)))
					rc = w->ops->case_reseal(w, ids[i], &in);
			}
			pa_arena_free(&a);
			after = ids[i];
		}
		if (rc) {
			w->ops->rollback(w);
			return rc;
		}
		if ((rc = w->ops->commit(w)))
			return rc;
		total += n;
	} while (n == 200);
	if (!total)
		return PA_OK;
	/* the plaintext the sealed values replaced would stay in freed pages and the log */
	if ((rc = w->ops->scrub(w)))
		return rc;
	pa_log(PA_LOG_INFO, "personal_data_sealed", "\"cases\":%lld", (long long)total);
	return PA_OK;
}

enum pa_err pa_pii_start(struct pa_app *app, struct pa_db *w, const char *dburl,
			 const char *key_path)
{
	char def[1024];
	if (!key_path || !*key_path) {
		pa_seal_key_path_of(dburl, def, sizeof def);
		key_path = def;
	}
	app->seal = malloc(sizeof *app->seal);
	if (!app->seal)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	/* A new key only for a database that has sealed nothing: one made for a database
	 * whose key is lost would hide that loss until the first case is opened. */
	char *stored = NULL;
	enum pa_err rc = PA_OK;
	if (access(key_path, F_OK) != 0 && !(rc = w->ops->seal_probe(w, NULL, &stored)) && stored)
		rc = pa_errf(PA_INTERNAL, NULL,
			     "the personal-data key file %s is missing, and this database's "
			     "personal data was sealed with a key: restore the key file (or give "
			     "it with --pii-key)",
			     key_path);
	free(stored);
	bool created = false;
	if (rc || (rc = pa_seal_key_load(key_path, true, app->seal, &created)))
		return rc;
	if (created)
		pa_log(PA_LOG_INFO, "pii_key_created",
		       "\"what\":\"a new personal-data key file: back it up apart from the "
		       "database\"");
	if ((rc = w->ops->begin(w)))
		return rc;
	if ((rc = probe(app, w, key_path))) {
		w->ops->rollback(w);
		return rc;
	}
	if ((rc = w->ops->commit(w)))
		return rc;
	return seal_old(app, w);
}

void pa_pii_close(struct pa_app *app)
{
	if (app->seal)
		sodium_memzero(app->seal, sizeof *app->seal);
	free(app->seal);
	app->seal = NULL;
}

/* ---- the full reveal ---- */

static const struct pa_jspec reveal_spec[] = {
	{"reason", PA_JT_STRING, true, 500},
	{NULL, 0, false, 0},
};

struct reveal_job {
	const struct pa_app *app;
	const struct pa_actor *a;
	int64_t id;
	const char *reason;
	struct pa_jw *out;
};

/* The audit record of a reveal, written in the reveal's transaction. */
static enum pa_err reveal_audit(struct pa_db *db, const struct reveal_job *j,
				const struct pa_case_row *row)
{
	json_t *d = json_pack("{s:I, s:s, s:s}", "case_id", (json_int_t)row->id, "number",
			      row->number, "reason", j->reason);
	char *detail = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(d);
	char subject[48];
	snprintf(subject, sizeof subject, "case:%lld", (long long)row->id);
	struct pa_audit_in e = {.actor_id = j->a->user.id,
				.at = pa_now(),
				.action = "pii.reveal",
				.subject = subject,
				.detail = detail};
	enum pa_err rc =
		detail ? db->ops->audit_add(db, &e) : pa_errf(PA_INTERNAL, NULL, "out of memory");
	free(detail);
	return rc;
}

static void render_reveal(struct pa_jw *w, const struct pa_app *app, const struct pa_actor *a,
			  const struct pa_case_row *c)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, c->type);
	pa_jw_obj(w);
	pa_jw_kid(w, "case_id", c->id);
	pa_jw_kstr(w, "number", c->number);
	pa_jw_key(w, "fields");
	if (c->fields && *c->fields)
		pa_jw_raw(w, c->fields, strlen(c->fields));
	else
		pa_jw_raw(w, "{}", 2);
	pa_jw_key(w, "parties");
	pa_jw_arr(w);
	for (int i = 0; i < c->nparties; i++) {
		const struct pa_party_row *p = &c->parties[i];
		/* a reveal is no way around whistle-blower protection */
		bool hidden = protected_reporter(t, p->role) &&
			      !(a->role && ((t->reporter_roles >> a->role->index) & 1u));
		pa_jw_obj(w);
		pa_jw_kstr(w, "role", p->role);
		pa_jw_kstr(w, "name", hidden ? "（举报人信息受保护）" : p->name);
		pa_jw_kstr(w, "id_number", hidden ? NULL : p->id_number);
		pa_jw_kstr(w, "phone", hidden ? NULL : p->phone);
		pa_jw_kstr(w, "address", hidden ? NULL : p->address);
		if (hidden)
			pa_jw_kbool(w, "protected", true);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	pa_jw_obj_end(w);
}

static enum pa_err reveal_job(struct pa_db *db, void *arg)
{
	struct reveal_job *j = arg;
	pa_jw_free(j->out); /* a job may run twice */
	pa_jw_init(j->out, 0);
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	enum pa_err rc = pa_case_get_open(db, j->app, &j->a->scope, j->id, &ar, &row);
	if (!rc && !(rc = reveal_audit(db, j, &row)))
		render_reveal(j->out, j->app, j->a, &row);
	pa_arena_free(&ar);
	return rc;
}

enum pa_err pa_case_reveal(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			   struct pa_jw *out)
{
	if (!pa_role_can(a->role, PA_PERM_PII_REVEAL))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not see personal data in full");
	enum pa_err rc = pa_jspec_check(body, reveal_spec, NULL);
	if (rc)
		return rc;
	const char *reason = pa_json_str(body, "reason");
	if (pa_utf8_len(reason) < 4)
		return pa_errf(PA_BAD_FIELD, "reason",
			       "say why the full personal data is needed (4 characters or more)");
	struct reveal_job j = {.app = app, .a = a, .id = id, .reason = reason, .out = out};
	return pa_writer_run(app->writer, reveal_job, &j);
}
