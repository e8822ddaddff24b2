/* dossier.c: a case's dossier (卷宗) as it goes into the archive: a cover, then the
 * case in numbered sections — basic facts, parties, what was asked, every step between
 * units, the records kept (mediation, votes, visits), supervision, the call-back, linked
 * cases and the list of attachments. */
#include <stdio.h>
#include <string.h>

#include "print/docs.h"

#define BODY  10.5 /* 五号 */
#define TABLE 9.0

static const double kv_w[] = {0.22, 0.78};

static void kv(struct pa_pdf *d, const char *label, const char *value)
{
	const char *cells[] = {label, value && *value ? value : "—"};
	pa_pdf_table_row(d, cells);
}

static void section(struct pa_pdf *d, const char *title)
{
	pa_pdf_gap(d, 8);
	pa_pdf_heading(d, title, 13, PA_PDF_LEFT);
	pa_pdf_gap(d, 2);
}

static void cover(struct pa_pdf *d, const struct pa_doc_case *c)
{
	pa_pdf_gap(d, 120);
	pa_pdf_heading(d, "卷    宗", 36, PA_PDF_CENTER);
	pa_pdf_gap(d, 60);
	struct pa_pdf_table t = {2, kv_w, NULL, 12};
	pa_pdf_table_begin(d, &t);
	kv(d, "案件编号", c->number);
	kv(d, "案    由", c->title);
	kv(d, "案件类型", c->type);
	kv(d, "承办单位", c->unit);
	kv(d, "登记时间", c->reported_at);
	kv(d, "办理状态", c->status);
	kv(d, "立卷时间", c->printed_at);
	kv(d, "立 卷 人", c->printed_by);
	pa_pdf_table_end(d);
	pa_pdf_need(d, 10000); /* the case begins on a page of its own */
}

static void basics(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "一、基本情况");
	struct pa_pdf_table t = {2, kv_w, NULL, TABLE};
	pa_pdf_table_begin(d, &t);
	kv(d, "案件编号", c->number);
	kv(d, "案件类型", c->type);
	kv(d, "类别", c->category);
	kv(d, "标题", c->title);
	kv(d, "当前状态", c->status);
	kv(d, "办理层级", c->tier);
	kv(d, "所属网格", c->grid);
	kv(d, "地点", c->address);
	kv(d, "来源渠道", c->channel);
	kv(d, "分派规则", c->routing_rule);
	kv(d, "登记时间", c->reported_at);
	kv(d, "承办单位", c->unit);
	for (int i = 0; i < c->nfields; i++)
		kv(d, c->fields[i].name, c->fields[i].value);
	pa_pdf_table_end(d);
}

static void parties(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "二、当事人");
	if (!c->nparties) {
		pa_pdf_para(d, "（未登记当事人）", BODY, 2);
		return;
	}
	static const double w[] = {0.12, 0.14, 0.24, 0.18, 0.32};
	static const char *const head[] = {"身份", "姓名", "身份证号码", "联系电话", "住址"};
	struct pa_pdf_table t = {5, w, head, TABLE};
	pa_pdf_table_begin(d, &t);
	for (int i = 0; i < c->nparties; i++) {
		const struct pa_doc_party *p = &c->parties[i];
		const char *cells[] = {p->role, p->name, p->id_number ? p->id_number : "—",
				       p->phone ? p->phone : "—", p->address ? p->address : "—"};
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
}

static void steps(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "四、办理过程");
	static const double w[] = {0.06, 0.17, 0.13, 0.24, 0.14, 0.26};
	static const char *const head[] = {"序号", "时间", "环节", "单位", "经办人", "意见"};
	struct pa_pdf_table t = {6, w, head, TABLE};
	pa_pdf_table_begin(d, &t);
	for (int i = 0; i < c->nsteps; i++) {
		const struct pa_doc_step *s = &c->steps[i];
		char seq[16], units[512];
		snprintf(seq, sizeof seq, "%d", i + 1);
		const char *from = s->from_unit && *s->from_unit ? s->from_unit : NULL,
			   *to = s->to_unit && *s->to_unit ? s->to_unit : NULL;
		if (from && to && strcmp(from, to) != 0)
			snprintf(units, sizeof units, "%s → %s", from, to);
		else
			snprintf(units, sizeof units, "%s", from ? from : to ? to : "—");
		const char *cells[] = {seq,
				       s->at,
				       s->action,
				       units,
				       s->actor ? s->actor : "系统",
				       s->note ? s->note : ""};
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
}

static void records(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "五、调解及办理记录");
	if (!c->nrecords)
		pa_pdf_para(d, "（无）", BODY, 2);
	for (int i = 0; i < c->nrecords; i++) {
		const struct pa_doc_record *r = &c->records[i];
		char title[512];
		snprintf(title, sizeof title, "（%d）%s（%s，%s）", i + 1, r->name, r->by, r->at);
		pa_pdf_heading(d, title, BODY + 0.5, PA_PDF_LEFT);
		struct pa_pdf_table t = {2, kv_w, NULL, TABLE};
		pa_pdf_table_begin(d, &t);
		for (int k = 0; k < r->nfields; k++)
			kv(d, r->fields[k].name, r->fields[k].value);
		pa_pdf_table_end(d);
	}
}

static void supervision(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "六、督办");
	if (!c->nsupervisions) {
		pa_pdf_para(d, "（无）", BODY, 2);
		return;
	}
	static const double w[] = {0.1, 0.17, 0.13, 0.15, 0.25, 0.2};
	static const char *const head[] = {"级别",     "时间",     "督办人",
					   "反馈期限", "督办意见", "反馈"};
	struct pa_pdf_table t = {6, w, head, TABLE};
	pa_pdf_table_begin(d, &t);
	for (int i = 0; i < c->nsupervisions; i++) {
		const struct pa_doc_supervision *s = &c->supervisions[i];
		const char *cells[] = {s->level, s->at, s->by, s->due, s->note, s->report};
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
}

static void closing(struct pa_pdf *d, const struct pa_doc_case *c)
{
	section(d, "七、回访评价");
	pa_pdf_para(d, c->rating && *c->rating ? c->rating : "（尚未回访）", BODY, 2);
	section(d, "八、关联案件");
	if (!c->nlinks)
		pa_pdf_para(d, "（无）", BODY, 2);
	for (int i = 0; i < c->nlinks; i++) {
		char line[256];
		snprintf(line, sizeof line, "%s：%s", c->links[i].kind, c->links[i].number);
		pa_pdf_para(d, line, BODY, 2);
	}
	section(d, "九、附件目录");
	if (!c->nattachments) {
		pa_pdf_para(d, "（无）", BODY, 2);
		return;
	}
	static const double w[] = {0.07, 0.35, 0.13, 0.11, 0.14, 0.2};
	static const char *const head[] = {"序号", "文件名", "类型", "大小", "上传人", "上传时间"};
	struct pa_pdf_table t = {6, w, head, TABLE};
	pa_pdf_table_begin(d, &t);
	for (int i = 0; i < c->nattachments; i++) {
		const struct pa_doc_attachment *x = &c->attachments[i];
		char seq[16];
		snprintf(seq, sizeof seq, "%d", i + 1);
		const char *cells[] = {seq, x->name, x->kind, x->size, x->by, x->at};
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
}

enum pa_err pa_print_dossier(const struct pa_pdf_fonts *f, const struct pa_doc_case *c, char **pdf,
			     size_t *len)
{
	char header[256];
	snprintf(header, sizeof header, "%s　%s　卷宗", c->number, c->type);
	struct pa_pdf *d;
	enum pa_err rc = pa_pdf_new(f, "卷宗", header, &d);
	if (rc)
		return rc;
	cover(d, c);
	basics(d, c);
	parties(d, c);
	section(d, "三、事实与诉求");
	pa_pdf_para(d, c->description && *c->description ? c->description : "（无）", BODY, 2);
	steps(d, c);
	records(d, c);
	supervision(d, c);
	closing(d, c);
	rc = pa_pdf_finish(d, pdf, len);
	pa_pdf_free(d);
	return rc;
}
