/* documents.c: a case put into words for printing (print/docs.h) — names for codes,
 * times in China Standard Time, personal data masked exactly as the case page masks it
 * (revealed in full on the mediation agreement, a reveal audited as one), the protected
 * reporter hidden from those who may not know them — and the PDF made. Which documents a
 * case has, and when, is data/documents.conf, loaded and checked at start-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/conf.h"
#include "core/gate.h"
#include "core/pii.h"
#include "core/text.h"
#include "print/docs.h"
#include "service/internal.h"

/* ---- data/documents.conf ---- */

enum layout { L_AGREEMENT, L_ACCEPT, L_REFUSE, L_REPLY, L_SUPERVISION };
enum cond_kind { C_STEP, C_RECORD, C_SUPERVISED };

static const struct {
	const char *code;
	enum layout layout;
	enum cond_kind needs; /* the one kind of condition its layout prints from */
} layouts[] = {
	{"agreement", L_AGREEMENT, C_RECORD},         {"accept_notice", L_ACCEPT, C_STEP},
	{"refuse_notice", L_REFUSE, C_STEP},          {"reply", L_REPLY, C_STEP},
	{"supervision", L_SUPERVISION, C_SUPERVISED},
};

struct doc_cond {
	enum cond_kind kind;
	const char *what; /* the action or record kind */
};

struct doc_rule {
	const char *code, *name;
	enum layout layout;
	int ntypes; /* 0: every type */
	const char **types;
	int nconds;
	struct doc_cond *conds;
};

struct pa_doc_rules {
	struct pa_arena ar;
	int n;
	struct doc_rule *v;
};

static char **split(struct pa_arena *ar, const char *s, int *n)
{
	int cap = 0;
	char **v = NULL;
	*n = 0;
	for (const char *p = s; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v = pa_grow(ar, v, *n, &cap, sizeof *v);
		v[(*n)++] = pa_strndup(ar, p, len);
		p += len + (e ? 1 : 0);
	}
	return v;
}

/* Does the action (or record kind) exist for the rule's types: in each of them when they
 * are named, in one at least for "*". */
static bool cond_known(const struct pa_catalog *cat, const struct doc_rule *r,
		       const struct doc_cond *c)
{
	int found = 0;
	for (int i = 0; i < cat->ntypes; i++) {
		const struct pa_casetype *t = &cat->types[i];
		bool listed = !r->ntypes;
		for (int k = 0; k < r->ntypes; k++)
			listed |= strcmp(r->types[k], t->code) == 0;
		if (!listed)
			continue;
		bool has = c->kind == C_STEP     ? pa_lifecycle_action(t->lc, c->what) != NULL
			   : c->kind == C_RECORD ? pa_type_record(t, c->what) != NULL
						 : true;
		if (r->ntypes && !has)
			return false;
		found += has;
	}
	return found > 0;
}

static enum pa_err rules_parse(const char *path, const struct pa_catalog *cat,
			       const struct pa_conf *cf, struct pa_doc_rules *out)
{
	const struct pa_conf_section *sec = pa_conf_section(cf, "documents");
	if (!sec)
		return pa_data_file_err(path, 1, "documents", "no [documents] section");
	out->v = pa_alloc(&out->ar, sizeof *out->v * (size_t)(sec->nrows + 1));
	for (int i = 0; i < sec->nrows; i++) {
		const struct pa_conf_row *row = &sec->rows[i];
		if (row->key || row->ntok != 4)
			return pa_data_file_err(path, row->line, "documents",
						"a row is: code types when name");
		struct doc_rule *r = &out->v[out->n];
		r->code = pa_strdup(&out->ar, row->tok[0]);
		r->name = pa_strdup(&out->ar, row->tok[3]);
		int li = -1;
		for (size_t k = 0; k < sizeof layouts / sizeof layouts[0]; k++)
			if (strcmp(layouts[k].code, r->code) == 0)
				li = (int)k;
		if (li < 0)
			return pa_data_file_err(path, row->line, "code",
						"no document %s: agreement, accept_notice, "
						"refuse_notice, reply or supervision",
						r->code);
		for (int k = 0; k < out->n; k++)
			if (strcmp(out->v[k].code, r->code) == 0)
				return pa_data_file_err(path, row->line, "code",
							"%s is listed twice", r->code);
		r->layout = layouts[li].layout;
		if (strcmp(row->tok[1], "*") != 0) {
			r->types = (const char **)split(&out->ar, row->tok[1], &r->ntypes);
			for (int k = 0; k < r->ntypes; k++)
				if (!pa_catalog_type(cat, r->types[k]))
					return pa_data_file_err(path, row->line, "types",
								"no case type %s", r->types[k]);
		}
		int nw;
		char **w = split(&out->ar, row->tok[2], &nw);
		r->conds = pa_alloc(&out->ar, sizeof *r->conds * (size_t)(nw + 1));
		for (int k = 0; k < nw; k++) {
			struct doc_cond *c = &r->conds[r->nconds++];
			if (strncmp(w[k], "step:", 5) == 0)
				*c = (struct doc_cond){C_STEP, w[k] + 5};
			else if (strncmp(w[k], "record:", 7) == 0)
				*c = (struct doc_cond){C_RECORD, w[k] + 7};
			else if (strcmp(w[k], "supervised") == 0)
				*c = (struct doc_cond){C_SUPERVISED, NULL};
			else
				return pa_data_file_err(path, row->line, "when",
							"%s: step:ACTION, record:KIND or "
							"supervised",
							w[k]);
			if (c->kind != layouts[li].needs)
				return pa_data_file_err(
					path, row->line, "when", "%s prints from %s", r->code,
					layouts[li].needs == C_STEP ? PA_W("a step (step:ACTION)")
					: layouts[li].needs == C_RECORD
						? PA_W("a record (record:KIND)")
						: PA_W("a supervision (supervised)"));
			if (!cond_known(cat, r, c))
				return pa_data_file_err(
					path, row->line, "when", "%s is not %s of %s", w[k],
					c->kind == C_STEP ? PA_W("an action") : PA_W("a record"),
					r->ntypes ? PA_W("each of its types")
						  : PA_W("any case type"));
		}
		out->n++;
	}
	return PA_OK;
}

enum pa_err pa_documents_load(struct pa_app *app, const char *datadir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/documents.conf", datadir);
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	struct pa_doc_rules *r = calloc(1, sizeof *r);
	if (!r) {
		pa_conf_free(&cf);
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	}
	pa_arena_init(&r->ar);
	if (!rc)
		rc = rules_parse(path, app->cat, &cf, r);
	pa_conf_free(&cf);
	if (rc) {
		pa_arena_free(&r->ar);
		free(r);
		return rc;
	}
	app->docs = r;
	return PA_OK;
}

void pa_documents_free(struct pa_app *app)
{
	if (!app->docs)
		return;
	pa_arena_free(&app->docs->ar);
	free(app->docs);
	app->docs = NULL;
}

static const struct doc_rule *rule_of(const struct pa_app *app, const char *code)
{
	for (int i = 0; app->docs && i < app->docs->n; i++)
		if (strcmp(app->docs->v[i].code, code) == 0)
			return &app->docs->v[i];
	return NULL;
}

/* Where in the case the rule finds what it prints: the latest step, record or supervision
 * that meets one of its conditions (its index), or -1 when the document means nothing for
 * this case (yet). */
static int rule_finds(const struct doc_rule *r, const struct pa_case_row *c)
{
	bool listed = !r->ntypes;
	for (int k = 0; k < r->ntypes; k++)
		listed |= strcmp(r->types[k], c->type) == 0;
	if (!listed)
		return -1;
	int best = -1;
	int64_t at = 0;
	for (int k = 0; k < r->nconds; k++) {
		const struct doc_cond *x = &r->conds[k];
		if (x->kind == C_SUPERVISED)
			return c->nsupervisions - 1;
		int n = x->kind == C_STEP ? c->nsteps : c->nrecords;
		for (int i = 0; i < n; i++) {
			const char *what =
				x->kind == C_STEP ? c->steps[i].action : c->records[i].kind;
			int64_t when = x->kind == C_STEP ? c->steps[i].at : c->records[i].at;
			if (strcmp(what, x->what) == 0 && (best < 0 || when >= at)) {
				best = i;
				at = when;
			}
		}
	}
	return best;
}

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

/* What an 18-digit resident ID number says of its holder: the birth date (digits 7-14)
 * and the sex (the 17th: odd for a man). False if it says nothing sure. */
static bool idno_particulars(struct pa_arena *ar, const char *id, const char **birth,
			     const char **sex)
{
	if (!id || strlen(id) != 18 || !pa_idno_valid(id))
		return false;
	int y = 0, m = 0, d = 0;
	if (sscanf(id + 6, "%4d%2d%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	*birth = pa_sprintf(ar, "%d年%d月%d日", y, m, d);
	*sex = (id[16] - '0') % 2 ? "男" : "女";
	return true;
}

/* full: the agreement's parties, revealed (id number and phone unmasked, sex and birth
 * date from the id number); otherwise masked as on the case page. */
static void put_parties(struct pa_arena *ar, const struct pa_actor *a, const struct pa_casetype *t,
			const struct pa_case_row *c, bool full, struct pa_doc_case *d)
{
	struct pa_doc_party *v = pa_alloc(ar, sizeof *v * (size_t)(c->nparties + 1));
	for (int i = 0; i < c->nparties; i++) {
		const struct pa_party_row *p = &c->parties[i];
		v[i].role = party_role(p->role);
		/* the same whistle-blower protection as the case page (a reveal is no way
		 * around it either) */
		if (t && t->protect_reporter && strcmp(p->role, "reporter") == 0 &&
		    !(a->role && ((t->reporter_roles >> a->role->index) & 1u))) {
			v[i].name = "（举报人信息受保护）";
			continue;
		}
		v[i].name = p->name;
		v[i].address = p->address;
		if (full) {
			v[i].id_number = p->id_number;
			v[i].phone = p->phone;
			idno_particulars(ar, p->id_number, &v[i].birth, &v[i].sex);
			continue;
		}
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

/* A file's kind in words, by its media type. */
static const char *file_kind(const char *mime)
{
	static const struct {
		const char *prefix, *word;
	} kinds[] = {
		{"image/", "图片"},
		{"application/pdf", "PDF 文件"},
		{"audio/", "录音"},
		{"video/", "视频"},
		{"text/", "文本"},
		{"application/msword", "Word 文档"},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml", "Word 文档"},
		{"application/vnd.ms-excel", "Excel 表格"},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml", "Excel 表格"},
		{"application/zip", "压缩包"}};
	for (size_t i = 0; mime && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strncmp(mime, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			return kinds[i].word;
	return "文件";
}

/* A size as people read it: 512 字节, 35 KB, 1.2 MB. */
static const char *file_size(struct pa_arena *ar, int64_t n)
{
	if (n < 1024)
		return pa_sprintf(ar, "%lld 字节", (long long)n);
	if (n < 1024 * 1024)
		return pa_sprintf(ar, "%lld KB", (long long)((n + 512) / 1024));
	return pa_sprintf(ar, "%.1f MB", (double)n / 1048576.0);
}

static const char *level_name(const char *level)
{
	return strcmp(level, "red") == 0      ? "红牌督办"
	       : strcmp(level, "yellow") == 0 ? "黄牌督办"
					      : "督办";
}

/* A step's note in words: an attachment's step names its file by "NAME (sha256 HEX)"
 * (attachments.c), printed as "NAME（图片，2 KB）". */
static const char *note_words(struct pa_arena *ar, const struct pa_case_row *c, const char *note)
{
	const char *h = note ? strstr(note, " (sha256 ") : NULL;
	if (!h || strlen(h) < 9 + 64 + 1 || h[9 + 64] != ')')
		return note;
	for (int i = 0; i < c->nattachments; i++)
		if (strncmp(c->attachments[i].sha256, h + 9, 64) == 0)
			return pa_sprintf(ar, "%.*s（%s，%s）%s", (int)(h - note), note,
					  file_kind(c->attachments[i].mime),
					  file_size(ar, c->attachments[i].size), h + 9 + 64 + 1);
	return pa_sprintf(ar, "%.*s%s", (int)(h - note), note, h + 9 + 64 + 1);
}

static void put_history(struct pa_arena *ar, const struct pa_casetype *t,
			const struct pa_case_row *c, struct pa_doc_case *d)
{
	struct pa_doc_step *st = pa_alloc(ar, sizeof *st * (size_t)(c->nsteps + 1));
	for (int i = 0; i < c->nsteps; i++) {
		const struct pa_step_row *s = &c->steps[i];
		st[i] = (struct pa_doc_step){
			.at = cn_time(ar, s->at, true),
			.action = pa_step_action_name(t, s->action),
			.from_unit = s->from_unit ? s->from_unit_name : NULL,
			.to_unit = s->to_unit ? s->to_unit_name : NULL,
			.actor = s->actor_id ? s->actor_name : NULL,
			.note = note_words(ar, c, s->note),
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
			.level = level_name(s->level),
			.by = s->by_name ? s->by_name : "系统自动督办",
			.at = cn_time(ar, s->at, true),
			.date = cn_time(ar, s->at, false),
			.due = s->due_at ? cn_time(ar, s->due_at, false) : "—",
			.note = s->note ? s->note : "",
			.report = s->report ? s->report
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
			.name = x->name && *x->name ? x->name : "（未命名）",
			.kind = file_kind(x->mime),
			.size = file_size(ar, x->size),
			.by = x->actor_name ? x->actor_name : "",
			.at = cn_time(ar, x->at, true),
		};
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

static const char *const tiers[] = {"村（社区）级", "镇（街道）级", "市级"};

/* The routing rule the case was sent by, in words: what it matched and where the case
 * went, the version of the rules after it (the rule's id is a code, on the case page). */
static const char *routing_words(struct pa_arena *ar, struct pa_app *app,
				 const struct pa_case_row *c)
{
	if (!c->routing_rule || !*c->routing_rule)
		return NULL;
	const struct pa_routing *rt = pa_app_routing(app);
	const struct pa_routing_rule *r = NULL;
	for (int i = 0; rt && i < rt->nrules; i++)
		if (strcmp(rt->rules[i].id, c->routing_rule) == 0)
			r = &rt->rules[i];
	const char *to = NULL; /* where the case was first sent: the report's step */
	for (int i = 0; i < c->nsteps && !to; i++)
		if (c->steps[i].to_unit)
			to = c->steps[i].to_unit_name;
	const char *ref = c->routing_version ? pa_sprintf(ar, "（第%lld版分派规则）",
							  (long long)c->routing_version)
					     : "";
	if (!r)
		return pa_sprintf(ar, "分派至%s%s", to ? to : "—", ref);
	const struct pa_casetype *t = r->type ? pa_catalog_type(app->cat, r->type) : NULL;
	const struct pa_category *k = t && r->category ? pa_type_category(t, r->category) : NULL;
	const struct pa_channel *ch = r->channel ? pa_catalog_channel(app->cat, r->channel) : NULL;
	const char *what =
		t ? (k ? pa_sprintf(ar, "%s·%s", t->name, k->name) : t->name) : "各类事项";
	if (ch)
		what = pa_sprintf(ar, "%s（%s）", what, ch->name);
	if (r->region)
		what = pa_sprintf(ar, "%s，区域 %s", what, r->region);
	return pa_sprintf(ar, "%s按规则分派至%s，按%s办理%s", what,
			  to ? to : (r->to_unit ? "指定单位" : "属地综治中心"), tiers[r->tier],
			  ref);
}

static void describe(struct pa_arena *ar, struct pa_app *app, const struct pa_actor *a,
		     const struct pa_case_row *c, bool full, struct pa_doc_case *d)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, c->type);
	const struct pa_category *k = t ? pa_type_category(t, c->category) : NULL;
	const struct pa_channel *ch = pa_catalog_channel(app->cat, c->channel);
	int tier = c->tier ? pa_tier_of(c->tier) : -1;
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
		.routing_rule = routing_words(ar, app, c),
		.printed_at = cn_time(ar, pa_now(), true),
		.printed_by = a->user.name[0] ? a->user.name : a->user.username,
	};
	if (t)
		d->fields = fields_of(ar, t->fields, t->nfields, c->fields, &d->nfields, NULL);
	put_parties(ar, a, t, c, full, d);
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

/* ---- what the store adds: the units that sign ---- */

/* The mediation committee whose seal the agreement takes: the unit that held the case
 * when the agreement was recorded if it is a 人民调解委员会, else the committee of that
 * unit's town or village (its region's 人民调解委员会), never the 综治中心 itself. */
static const char *committee_of(struct pa_db *db, struct pa_arena *ar, const struct pa_case_row *c,
				const struct pa_record_row *agreement)
{
	int64_t unit = 0;
	const char *unit_name = NULL;
	/* the record is kept by the step of its own action ([record ACTION]) */
	for (int i = 0; i < c->nsteps; i++)
		if (strcmp(c->steps[i].action, agreement->kind) == 0 &&
		    c->steps[i].at <= agreement->at && c->steps[i].from_unit) {
			unit = c->steps[i].from_unit;
			unit_name = c->steps[i].from_unit_name;
		}
	if (!unit) {
		unit = c->unit_id;
		unit_name = c->unit_name;
	}
	json_t *u = NULL, *r = NULL;
	const char *out = unit_name;
	if (unit && !db->ops->unit_get(db, unit, &u)) {
		const char *kind = json_string_value(json_object_get(u, "kind")),
			   *region = json_string_value(json_object_get(u, "region"));
		if (kind && strcmp(kind, "committee") == 0)
			out = pa_strdup(ar, json_string_value(json_object_get(u, "name")));
		else if (region && !db->ops->region_get(db, region, &r)) {
			const char *name = json_string_value(json_object_get(r, "name"));
			if (name)
				out = pa_sprintf(ar, "%s人民调解委员会", name);
		}
	}
	json_decref(u);
	json_decref(r);
	pa_err_clear();
	return out;
}

/* Who sends a supervision notice: the supervisor's unit, found by the supervise step
 * taken as the supervision was made; the sweeper's own (红黄牌) come from the city's
 * centre. */
static const char *supervisor_unit(struct pa_db *db, struct pa_arena *ar, const struct pa_app *app,
				   const struct pa_case_row *c, const struct pa_supervision_row *s)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, c->type);
	for (int i = c->nsteps - 1; s->by_name && t && i >= 0; i--) {
		const struct pa_action *act = pa_lifecycle_action(t->lc, c->steps[i].action);
		struct pa_user u;
		if (act && act->effect == PA_EFFECT_SUPERVISE && c->steps[i].at == s->at &&
		    c->steps[i].actor_id && !db->ops->user_by_id(db, c->steps[i].actor_id, &u) &&
		    u.unit_name[0])
			return pa_strdup(ar, u.unit_name);
	}
	char city[7] = {0}, name[256];
	int64_t id;
	if (c->grid)
		memcpy(city, c->grid, strlen(c->grid) >= 6 ? 6 : strlen(c->grid));
	const char *out =
		city[0] && !db->ops->unit_find(db, city, "city_centre", &id, name, sizeof name)
			? pa_strdup(ar, name)
			: "综治中心";
	pa_err_clear();
	return out;
}

/* What one document is printed from, found in the case and the store. */
struct doc_src {
	const struct doc_rule *rule; /* NULL: the dossier */
	int at;                      /* the step, record or supervision rule_finds found */
	const char *committee;       /* the agreement's 人民调解委员会 */
	const char *issuer;          /* the supervision notice's sender */
};

/* The people a letter is addressed to: the parties who brought the matter (all but those
 * it is against), as printed. */
static const char *addressee(struct pa_arena *ar, const struct pa_doc_case *d,
			     const struct pa_case_row *c)
{
	const char *out = NULL;
	for (int i = 0; i < d->nparties; i++) {
		/* a protected reporter's name was replaced: not written to by name */
		if (strcmp(c->parties[i].role, "respondent") == 0 ||
		    d->parties[i].name != c->parties[i].name || !d->parties[i].name)
			continue;
		out = out ? pa_sprintf(ar, "%s、%s", out, d->parties[i].name) : d->parties[i].name;
	}
	return out ? out : "信访人";
}

static enum pa_err letter(struct pa_arena *ar, const struct pa_app *app,
			  const struct pa_pdf_fonts *fonts, const struct doc_src *src,
			  const struct pa_case_row *c, const struct pa_doc_case *d, char **pdf,
			  size_t *len)
{
	const struct pa_step_row *st = &c->steps[src->at];
	const char *when = cn_time(ar, c->created_at, false), *on = cn_time(ar, st->at, false);
	const char *matter = pa_sprintf(ar, "你（你们）于%s通过%s提出的信访事项（%s，登记编号%s）",
					when, d->channel, d->title, d->number);
	const char *issuer = st->from_unit && st->from_unit_name && *st->from_unit_name
				     ? st->from_unit_name
				     : d->unit;
	const char *paras[4];
	int n = 0;
	switch (src->rule->layout) {
	case L_ACCEPT:
		paras[n++] =
			pa_sprintf(ar,
				   "%s，经审查，属于本机关职责范围，符合《信访工作条例》规定的受"
				   "理条件，本机关已于%s决定受理。",
				   matter, on);
		paras[n++] = "本机关将依照《信访工作条例》规定的期限办理，并向你（你们）出具书面处"
			     "理意见。办理期间，你（你们）可以凭登记编号向本机关查询办理进展。";
		paras[n++] = "特此告知。";
		break;
	case L_REFUSE:
		paras[n++] = pa_sprintf(ar, "%s，经审查，本机关于%s决定不予受理。理由如下：",
					matter, on);
		paras[n++] = st->note && *st->note ? st->note : "（未写明理由）";
		paras[n++] =
			"你（你们）反映的事项依法应当通过诉讼、仲裁、行政复议等法定途径解决的，"
			"请依照有关法律、行政法规规定的程序向有关机关提出。对本告知有异议的，"
			"可以向本机关的上一级机关反映。";
		paras[n++] = "特此告知。";
		break;
	default: { /* L_REPLY: the written reply is the reply step's note */
		paras[n++] = pa_sprintf(ar, "%s，本机关已依法办理。现将%s意见告知如下：", matter,
					d->steps[src->at].action);
		paras[n++] = st->note && *st->note ? st->note : "（未写明意见）";
		/* a reply that ended the case (its step led to a terminal state) is the last
		 * word; any other may still be reviewed */
		const struct pa_casetype *t = pa_catalog_type(app->cat, c->type);
		int to = t && st->to_state ? pa_lifecycle_state(t->lc, st->to_state) : -1;
		bool last = to >= 0 && t->lc->states[to].kind == PA_STATE_TERMINAL;
		paras[n++] =
			last ? "本意见为本信访事项的最终处理意见。"
			     : "如对本意见不服，可以自收到本意见书之日起三十日内，向本机关的上"
			       "一级机关请求复查；对复查意见不服的，可以自收到复查意见书之日起三十"
			       "日内向复查机关的上一级机关请求复核。";
		break;
	}
	}
	struct pa_doc_letter l = {
		.title = src->rule->name,
		.number = d->number,
		.addressee = addressee(ar, d, c),
		.nparas = n,
		.paras = paras,
		.issuer = issuer,
		.date = on,
		.receipt = pa_sprintf(ar, "%s（登记编号%s）已收到。", src->rule->name, d->number)};
	return pa_print_letter(fonts, &l, pdf, len);
}

static enum pa_err make(struct pa_app *app, const struct pa_actor *a, const struct pa_case_row *c,
			const struct doc_src *src, struct pa_arena *ar, char **pdf, size_t *len,
			char name[160])
{
	enum layout layout = src->rule ? src->rule->layout : L_AGREEMENT;
	struct pa_doc_case d;
	describe(ar, app, a, c, src->rule && layout == L_AGREEMENT, &d);
	struct pa_pdf_fonts fonts;
	enum pa_err rc = pa_pdf_fonts_find(app->font, &fonts);
	if (rc)
		return rc;
	if (!pa_gate_enter(&print_gate, 10))
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "too many documents being printed; try again in a moment");
	if (!src->rule) {
		rc = pa_print_dossier(&fonts, &d, pdf, len);
		snprintf(name, 160, "%s-卷宗.pdf", c->number);
	} else {
		switch (layout) {
		case L_AGREEMENT: {
			const struct pa_doc_record *rec = &d.records[src->at];
			/* the mediators: who kept the case's records up to the agreement (its
			 * sessions and the agreement itself), each once */
			const char **who = pa_alloc(ar, sizeof *who * (size_t)(d.nrecords + 1));
			int nwho = 0;
			for (int i = 0; i <= src->at; i++) {
				bool seen = !*d.records[i].by;
				for (int k = 0; k < nwho && !seen; k++)
					seen = strcmp(who[k], d.records[i].by) == 0;
				if (!seen)
					who[nwho++] = d.records[i].by;
			}
			struct pa_doc_agreement g = {
				.agreement = rec,
				.session = last_record(&d, "mediation_session"),
				.committee = src->committee,
				.nmediators = nwho,
				.mediators = who,
			};
			rc = pa_print_agreement(&fonts, &d, &g, pdf, len);
			break;
		}
		case L_SUPERVISION:
			rc = pa_print_supervision(&fonts, &d, &d.supervisions[src->at], src->issuer,
						  pdf, len);
			break;
		default:
			rc = letter(ar, app, &fonts, src, c, &d, pdf, len);
		}
		snprintf(name, 160, "%s-%s.pdf", c->number, src->rule->name);
	}
	pa_gate_leave(&print_gate);
	return rc;
}

/* A printed document carries the case's people out of pingan: who printed which, and
 * when, is kept in the audit chain before the document is handed over. The agreement
 * carries them in full: its printing is a reveal, audited as POST …/reveal is (pii.reveal,
 * with the number and the reason). */
struct print_audit {
	const struct pa_actor *a;
	const struct pa_case_row *c;
	const char *kind, *reason; /* reason: a reveal's */
};

static enum pa_err print_audit_job(struct pa_db *db, void *arg)
{
	struct print_audit *j = arg;
	char subject[48];
	snprintf(subject, sizeof subject, "case:%lld", (long long)j->c->id);
	json_t *dj = j->reason ? json_pack("{s:I, s:s, s:s, s:s}", "case_id", (json_int_t)j->c->id,
					   "document", j->kind, "number", j->c->number, "reason",
					   j->reason)
			       : json_pack("{s:I, s:s}", "case_id", (json_int_t)j->c->id,
					   "document", j->kind);
	char *detail = dj ? json_dumps(dj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(dj);
	struct pa_audit_in e = {.actor_id = j->a->user.id,
				.at = pa_now(),
				.action = j->reason ? "pii.reveal" : "case.print",
				.subject = subject,
				.detail = detail};
	enum pa_err rc =
		detail ? db->ops->audit_add(db, &e) : pa_errf(PA_INTERNAL, NULL, "out of memory");
	free(detail);
	return rc;
}

/* The document codes, "dossier, agreement, …" (sep ", ") or with the Chinese 、. */
static const char *codes_known(struct pa_arena *ar, const struct pa_app *app, const char *sep)
{
	const char *s = "dossier";
	for (int i = 0; app->docs && i < app->docs->n; i++)
		s = pa_sprintf(ar, "%s%s%s", s, sep, app->docs->v[i].code);
	return s;
}

enum pa_err pa_case_document(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     const char *kind, const char *reason, char **pdf, size_t *len,
			     char name[160])
{
	*pdf = NULL;
	*len = 0;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct doc_src src = {.rule = NULL, .at = -1};
	enum pa_err rc = PA_OK;
	if (strcmp(kind, "dossier") != 0 && !(src.rule = rule_of(app, kind)))
		rc = pa_errf(PA_NOT_FOUND, NULL, "no document %s: %s%.0s", kind,
			     codes_known(&ar, app, ", "), codes_known(&ar, app, "、"));
	bool reveal = src.rule && src.rule->layout == L_AGREEMENT;
	/* the checks of POST /cases/{id}/reveal, in its order (the reason a query parameter) */
	if (!rc && reveal) {
		if (!pa_role_can(a->role, PA_PERM_PII_REVEAL))
			rc = pa_errf(PA_FORBIDDEN, NULL,
				     "your role may not see personal data in full, as the %s "
				     "prints it",
				     src.rule->name);
		else if (!reason || pa_utf8_len(reason) < 4)
			rc = pa_errf(PA_BAD_QUERY, "reason",
				     "say why the full personal data is needed (4 characters or "
				     "more): the %s prints it",
				     src.rule->name);
		else if (pa_utf8_len(reason) > 500)
			rc = pa_errf(PA_BAD_QUERY, "reason", "reason is too long (500 at most)");
	}
	struct pa_case_row row;
	/* the scoped read is the permission: a case the caller may not read is not found */
	if (!rc)
		PA_WITH_READ(app, db, rc, {
			rc = pa_case_get_open(db, app, &a->scope, id, &ar, &row);
			if (!rc && src.rule && (src.at = rule_finds(src.rule, &row)) < 0)
				rc = pa_errf(PA_CONFLICT, NULL,
					     "case %s has no %s to print: nothing in its history "
					     "calls for one",
					     row.number, src.rule->name);
			if (!rc && reveal)
				src.committee = committee_of(db, &ar, &row, &row.records[src.at]);
			if (!rc && src.rule && src.rule->layout == L_SUPERVISION)
				src.issuer = supervisor_unit(db, &ar, app, &row,
							     &row.supervisions[src.at]);
		});
	if (!rc)
		rc = make(app, a, &row, &src, &ar, pdf, len, name);
	if (!rc && app->writer) {
		struct print_audit j = {a, &row, src.rule ? src.rule->code : "dossier",
					reveal ? reason : NULL};
		if ((rc = pa_writer_run(app->writer, print_audit_job, &j))) {
			free(*pdf); /* not audited, not handed over */
			*pdf = NULL;
			*len = 0;
		}
	}
	pa_arena_free(&ar);
	return rc;
}

enum pa_err pa_case_documents(struct pa_app *app, const struct pa_actor *a, int64_t id,
			      struct pa_jw *w)
{
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = pa_case_get_open(db, app, &a->scope, id, &ar, &row));
	if (!rc) {
		bool may_reveal = pa_role_can(a->role, PA_PERM_PII_REVEAL);
		pa_jw_obj(w);
		pa_jw_kid(w, "case_id", row.id);
		pa_jw_key(w, "documents");
		pa_jw_arr(w);
		for (int i = -1; i < (app->docs ? app->docs->n : 0); i++) {
			const struct doc_rule *r = i < 0 ? NULL : &app->docs->v[i];
			bool reveal = r && r->layout == L_AGREEMENT;
			pa_jw_obj(w);
			pa_jw_kstr(w, "code", r ? r->code : "dossier");
			pa_jw_kstr(w, "name", r ? r->name : "卷宗");
			pa_jw_kbool(w, "available", !r || rule_finds(r, &row) >= 0);
			pa_jw_kbool(w, "reveal", reveal);
			pa_jw_kbool(w, "may_print", !reveal || may_reveal);
			pa_jw_obj_end(w);
		}
		pa_jw_arr_end(w);
		pa_jw_obj_end(w);
	}
	pa_arena_free(&ar);
	return rc;
}
