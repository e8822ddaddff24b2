/* documents.c: a case put into words for printing (print/docs.h) — names for codes,
 * times in China Standard Time, personal data masked exactly as the case page masks it,
 * the protected reporter hidden from those who may not know them — and the PDF made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/gate.h"
#include "core/pii.h"
#include "print/docs.h"
#include "service/internal.h"

/* Laying out a document loads a 20 MB font (~0.2 s of CPU): at most 2 at once, so a
 * burst of printing cannot starve the rest of the service; one kept over 10 s is refused. */
static struct pa_gate print_gate = PA_GATE_INIT(2);

/* "2026年11月29日 10:45" (with_time) or "2026年11月29日", in CST. */
static const char *cn_time(struct pa_arena *ar, int64_t t, bool with_time)
{
	if (!t)
		return "";
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	return with_time ? pa_sprintf(ar, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900,
				      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min)
			 : pa_sprintf(ar, "%d年%d月%d日", tm.tm_year + 1900, tm.tm_mon + 1,
				      tm.tm_mday);
}

/* A form value as words: dates in Chinese, yes/no, amounts with two decimals. */
static const char *field_text(struct pa_arena *ar, const struct pa_field *f, json_t *v)
{
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_boolean(v))
		return json_is_true(v) ? "是" : "否";
	if (json_is_integer(v))
		return f->type == PA_FIELD_MONEY ? pa_sprintf(ar, "%lld.00", json_integer_value(v))
						 : pa_sprintf(ar, "%lld", json_integer_value(v));
	if (json_is_real(v))
		return pa_sprintf(ar, "%.2f", json_real_value(v));
	const char *s = json_string_value(v);
	if (!s)
		return NULL;
	int y, m, d;
	if (f->type == PA_FIELD_DATE && sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3)
		return pa_sprintf(ar, "%d年%d月%d日", y, m, d);
	if (f->type == PA_FIELD_PHONE) {
		char *buf = pa_alloc(ar, 64);
		pa_mask_phone(s, buf, 64);
		return buf;
	}
	return pa_strdup(ar, s);
}

/* The filled fields of list, in the data file's order. *date: the first date among them. */
static struct pa_doc_field *fields_of(struct pa_arena *ar, const struct pa_field *list, int n,
				      const char *json, int *count, const char **date)
{
	struct pa_doc_field *out = pa_alloc(ar, sizeof *out * (size_t)(n ? n : 1));
	json_t *o = json ? json_loads(json, 0, NULL) : NULL;
	*count = 0;
	for (int i = 0; o && i < n; i++) {
		const char *v = field_text(ar, &list[i], json_object_get(o, list[i].code));
		if (!v)
			continue;
		if (date && !*date && list[i].type == PA_FIELD_DATE)
			*date = v;
		out[(*count)++] =
			(struct pa_doc_field){list[i].name, v, list[i].type == PA_FIELD_LONGTEXT};
	}
	json_decref(o);
	return out;
}

static const char *party_role(const char *role)
{
	return strcmp(role, "applicant") == 0    ? "申请人"
	       : strcmp(role, "respondent") == 0 ? "被申请人"
	       : strcmp(role, "reporter") == 0   ? "反映人"
						 : "其他当事人";
}

static const char *rating_text(const char *r, bool unreasonable)
{
	const char *s = !r || !*r                               ? NULL
			: strcmp(r, "satisfied") == 0           ? "满意"
			: strcmp(r, "basically_satisfied") == 0 ? "基本满意"
								: "不满意";
	if (s && unreasonable)
		return strcmp(s, "不满意") == 0 ? "不满意（经认定为不合理诉求，不计入满意率）" : s;
	return s;
}

static void put_parties(struct pa_arena *ar, const struct pa_actor *a, const struct pa_casetype *t,
			const struct pa_case_row *c, struct pa_doc_case *d)
{
	struct pa_doc_party *v = pa_alloc(ar, sizeof *v * (size_t)(c->nparties + 1));
	for (int i = 0; i < c->nparties; i++) {
		const struct pa_party_row *p = &c->parties[i];
		v[i].role = party_role(p->role);
		/* the same whistle-blower protection as the case page */
		if (t && t->protect_reporter && strcmp(p->role, "reporter") == 0 &&
		    !(a->role && ((t->reporter_roles >> a->role->index) & 1u))) {
			v[i].name = "（举报人信息受保护）";
			continue;
		}
		v[i].name = p->name;
		v[i].address = p->address;
		if (p->id_number) {
			char *b = pa_alloc(ar, 64);
			pa_mask_idno(p->id_number, b, 64);
			v[i].id_number = b;
		}
		if (p->phone) {
			char *b = pa_alloc(ar, 64);
			pa_mask_phone(p->phone, b, 64);
			v[i].phone = b;
		}
	}
	d->parties = v;
	d->nparties = c->nparties;
}

static void put_history(struct pa_arena *ar, const struct pa_casetype *t,
			const struct pa_case_row *c, struct pa_doc_case *d)
{
	struct pa_doc_step *st = pa_alloc(ar, sizeof *st * (size_t)(c->nsteps + 1));
	for (int i = 0; i < c->nsteps; i++) {
		const struct pa_step_row *s = &c->steps[i];
		st[i] = (struct pa_doc_step){
			cn_time(ar, s->at, true),
			pa_step_action_name(t, s->action),
			s->from_unit ? s->from_unit_name : NULL,
			s->to_unit ? s->to_unit_name : NULL,
			s->actor_id ? s->actor_name : NULL,
			s->note,
		};
	}
	d->steps = st;
	d->nsteps = c->nsteps;

	struct pa_doc_record *r = pa_alloc(ar, sizeof *r * (size_t)(c->nrecords + 1));
	for (int i = 0; i < c->nrecords; i++) {
		const struct pa_record_row *x = &c->records[i];
		const struct pa_record_spec *spec = t ? pa_type_record(t, x->kind) : NULL;
		r[i] = (struct pa_doc_record){.kind = x->kind,
					      .name = spec ? spec->name : x->kind,
					      .by = x->actor_name ? x->actor_name : "",
					      .at = cn_time(ar, x->at, true)};
		if (spec)
			r[i].fields = fields_of(ar, spec->fields, spec->nfields, x->data,
						&r[i].nfields, &r[i].date);
		if (!r[i].date)
			r[i].date = cn_time(ar, x->at, false);
	}
	d->records = r;
	d->nrecords = c->nrecords;

	struct pa_doc_supervision *sv = pa_alloc(ar, sizeof *sv * (size_t)(c->nsupervisions + 1));
	for (int i = 0; i < c->nsupervisions; i++) {
		const struct pa_supervision_row *s = &c->supervisions[i];
		sv[i] = (struct pa_doc_supervision){
			strcmp(s->level, "red") == 0      ? "红牌"
			: strcmp(s->level, "yellow") == 0 ? "黄牌"
							  : "督办",
			cn_time(ar, s->at, true),
			s->by_name ? s->by_name : "系统",
			s->due_at ? cn_time(ar, s->due_at, false) : "—",
			s->note ? s->note : "",
			s->report ? s->report
			: s->late ? "逾期未反馈"
				  : "—",
		};
	}
	d->supervisions = sv;
	d->nsupervisions = c->nsupervisions;

	struct pa_doc_attachment *at = pa_alloc(ar, sizeof *at * (size_t)(c->nattachments + 1));
	for (int i = 0; i < c->nattachments; i++) {
		const struct pa_attachment_row *x = &c->attachments[i];
		at[i] = (struct pa_doc_attachment){
			x->name ? x->name : "",
			x->mime,
			x->size >= 1024 * 1024 ? pa_sprintf(ar, "%.1f MB", x->size / 1048576.0)
					       : pa_sprintf(ar, "%.1f KB", x->size / 1024.0),
			x->actor_name ? x->actor_name : "",
			cn_time(ar, x->at, true),
			x->sha256};
	}
	d->attachments = at;
	d->nattachments = c->nattachments;

	struct pa_doc_link *l = pa_alloc(ar, sizeof *l * (size_t)(c->nlinks + 1));
	for (int i = 0; i < c->nlinks; i++)
		l[i] = (struct pa_doc_link){strcmp(c->links[i].kind, "merged") == 0 ? "合并"
					    : strcmp(c->links[i].kind, "related") == 0
						    ? "关联"
						    : c->links[i].kind,
					    c->links[i].number};
	d->links = l;
	d->nlinks = c->nlinks;
}

static void describe(struct pa_arena *ar, const struct pa_app *app, const struct pa_actor *a,
		     const struct pa_case_row *c, struct pa_doc_case *d)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, c->type);
	const struct pa_category *k = t ? pa_type_category(t, c->category) : NULL;
	const struct pa_channel *ch = pa_catalog_channel(app->cat, c->channel);
	int tier = c->tier ? pa_tier_of(c->tier) : -1;
	static const char *const tiers[] = {"村（社区）级", "镇（街道）级", "市级"};
	*d = (struct pa_doc_case){
		.number = c->number,
		.type = t ? t->name : c->type,
		.category = k ? k->name : c->category,
		.title = c->title,
		.status = t ? state_name(t->lc, c->status) : c->status,
		.grid = c->grid_name ? pa_sprintf(ar, "%s（%s）", c->grid_name, c->grid) : c->grid,
		.address = c->address,
		.channel = ch ? ch->name : c->channel,
		.unit = c->unit_name ? c->unit_name : "",
		.tier = tier >= 0 ? tiers[tier] : c->tier,
		.reported_at = cn_time(ar, c->created_at, true),
		.description = c->description,
		.rating = rating_text(c->rating, c->unreasonable),
		.routing_rule = c->routing_rule,
		.printed_at = cn_time(ar, pa_now(), true),
		.printed_by = a->user.name[0] ? a->user.name : a->user.username,
	};
	if (t)
		d->fields = fields_of(ar, t->fields, t->nfields, c->fields, &d->nfields, NULL);
	put_parties(ar, a, t, c, d);
	put_history(ar, t, c, d);
}

/* The last record of this kind, or NULL. */
static const struct pa_doc_record *last_record(const struct pa_doc_case *d, const char *kind)
{
	for (int i = d->nrecords - 1; i >= 0; i--)
		if (strcmp(d->records[i].kind, kind) == 0)
			return &d->records[i];
	return NULL;
}

static enum pa_err make(struct pa_app *app, const struct pa_actor *a, const struct pa_case_row *c,
			const char *kind, struct pa_arena *ar, char **pdf, size_t *len,
			char name[160])
{
	struct pa_doc_case d;
	describe(ar, app, a, c, &d);
	const struct pa_doc_record *agreement = NULL;
	if (strcmp(kind, "agreement") == 0) {
		if (!(agreement = last_record(&d, "agreement")))
			return pa_errf(PA_CONFLICT, NULL,
				       "case %s has no mediation agreement (调解协议) recorded",
				       c->number);
	} else if (strcmp(kind, "dossier") != 0)
		return pa_errf(PA_NOT_FOUND, NULL, "no document %s: dossier or agreement", kind);
	struct pa_pdf_fonts fonts;
	enum pa_err rc = pa_pdf_fonts_find(app->font, &fonts);
	if (rc)
		return rc;
	if (!pa_gate_enter(&print_gate, 10))
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "too many documents being printed; try again in a moment");
	if (agreement) {
		rc = pa_print_agreement(&fonts, &d, agreement, last_record(&d, "mediation_session"),
					pdf, len);
		snprintf(name, 160, "%s-人民调解协议书.pdf", c->number);
	} else {
		rc = pa_print_dossier(&fonts, &d, pdf, len);
		snprintf(name, 160, "%s-卷宗.pdf", c->number);
	}
	pa_gate_leave(&print_gate);
	return rc;
}

/* A printed document carries the case's people (masked) out of pingan: who printed which,
 * and when, is kept in the audit chain before the document is handed over. */
struct print_audit {
	const struct pa_actor *a;
	int64_t case_id;
	const char *kind;
};

static enum pa_err print_audit_job(struct pa_db *db, void *arg)
{
	struct print_audit *j = arg;
	char subject[48], detail[96];
	snprintf(subject, sizeof subject, "case:%lld", (long long)j->case_id);
	snprintf(detail, sizeof detail, "{\"case_id\":%lld,\"document\":\"%s\"}",
		 (long long)j->case_id,
		 strcmp(j->kind, "agreement") == 0 ? "agreement" : "dossier");
	struct pa_audit_in e = {.actor_id = j->a->user.id,
				.at = pa_now(),
				.action = "case.print",
				.subject = subject,
				.detail = detail};
	return db->ops->audit_add(db, &e);
}

enum pa_err pa_case_document(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     const char *kind, char **pdf, size_t *len, char name[160])
{
	*pdf = NULL;
	*len = 0;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	enum pa_err rc = PA_OK;
	/* the scoped read is the permission: a case the caller may not read is not found */
	PA_WITH_READ(app, db, rc, rc = pa_case_get_open(db, app, &a->scope, id, &ar, &row));
	if (!rc)
		rc = make(app, a, &row, kind, &ar, pdf, len, name);
	if (!rc && app->writer) {
		struct print_audit j = {a, id, kind};
		if ((rc = pa_writer_run(app->writer, print_audit_job, &j))) {
			free(*pdf); /* not audited, not handed over */
			*pdf = NULL;
			*len = 0;
		}
	}
	pa_arena_free(&ar);
	return rc;
}
