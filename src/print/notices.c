/* notices.c: the letters a case sends a person (信访事项受理告知书, 不予受理告知书, 处理意见书)
 * in the shape of an official letter — title, number, addressee, body, the issuing unit's
 * seal and date, a tear-off receipt — and the supervision notice (督办通知单) a supervising
 * unit sends the unit holding a case. */
#include <stdio.h>
#include <string.h>

#include "print/docs.h"

#define BODY  12.0
#define TABLE 10.5

const char *pa_cn_number(int n, char out[32])
{
	static const char *const digit[] = {"零", "一", "二", "三", "四",
					    "五", "六", "七", "八", "九"};
	static const char *const unit[] = {"千", "百", "十", ""};
	static const int scale[] = {1000, 100, 10, 1};
	out[0] = 0;
	if (n < 0 || n > 9999) {
		snprintf(out, 32, "%d", n);
		return out;
	}
	if (n == 0) {
		snprintf(out, 32, "%s", digit[0]);
		return out;
	}
	size_t len = 0;
	bool zero = false; /* a zero digit passed since the last written one */
	for (int i = 0; i < 4; i++) {
		int k = n / scale[i] % 10;
		if (!k) {
			zero = len > 0;
			continue;
		}
		if (zero)
			len += (size_t)snprintf(out + len, 32 - len, "%s", digit[0]);
		zero = false;
		/* 10 … 19 are 十, 十一 …, not 一十 */
		bool bare_ten = i == 2 && k == 1 && len == 0;
		len += (size_t)snprintf(out + len, 32 - len, "%s%s", bare_ten ? "" : digit[k],
					unit[i]);
	}
	return out;
}

enum pa_err pa_print_letter(const struct pa_pdf_fonts *f, const struct pa_doc_letter *l, char **pdf,
			    size_t *len)
{
	struct pa_pdf *d;
	enum pa_err rc = pa_pdf_new(f, l->title, NULL, &d);
	if (rc)
		return rc;
	char line[1024];
	pa_pdf_gap(d, 10);
	pa_pdf_heading(d, l->title, 22, PA_PDF_CENTER);
	pa_pdf_gap(d, 8);
	snprintf(line, sizeof line, "编号：%s", l->number);
	pa_pdf_right(d, line, BODY);
	pa_pdf_gap(d, 10);
	snprintf(line, sizeof line, "%s：",
		 l->addressee && *l->addressee ? l->addressee : "信访人");
	pa_pdf_para(d, line, BODY, 0);
	for (int i = 0; i < l->nparas; i++)
		pa_pdf_para(d, l->paras[i], BODY, 2);
	pa_pdf_need(d, 120);
	pa_pdf_gap(d, 36);
	snprintf(line, sizeof line, "%s（印章）", l->issuer);
	pa_pdf_right(d, line, BODY);
	pa_pdf_right(d, l->date, BODY);
	if (l->receipt) {
		pa_pdf_need(d, 200);
		pa_pdf_gap(d, 30);
		pa_pdf_para(
			d,
			"- - - - - - - - - - - - - - - - - - （沿此线剪开） - - - - - - - - - - - "
			"- - - - - - -",
			9, 0);
		pa_pdf_gap(d, 10);
		pa_pdf_heading(d, "回    执", 16, PA_PDF_CENTER);
		pa_pdf_gap(d, 6);
		pa_pdf_para(d, l->receipt, BODY, 2);
		pa_pdf_gap(d, 18);
		pa_pdf_para(
			d, "签收人（签名或按指印）：____________    签收日期：______年____月____日",
			BODY, 0);
	}
	rc = pa_pdf_finish(d, pdf, len);
	pa_pdf_free(d);
	return rc;
}

static const double kv_w[] = {0.22, 0.78};

static void kv(struct pa_pdf *d, const char *label, const char *value)
{
	const char *cells[] = {label, value && *value ? value : "—"};
	pa_pdf_table_row(d, cells);
}

enum pa_err pa_print_supervision(const struct pa_pdf_fonts *f, const struct pa_doc_case *c,
				 const struct pa_doc_supervision *s, const char *issuer, char **pdf,
				 size_t *len)
{
	struct pa_pdf *d;
	enum pa_err rc = pa_pdf_new(f, "督办通知单", NULL, &d);
	if (rc)
		return rc;
	char line[1024];
	pa_pdf_gap(d, 10);
	pa_pdf_heading(d, "督办通知单", 22, PA_PDF_CENTER);
	pa_pdf_gap(d, 8);
	snprintf(line, sizeof line, "编号：%s", c->number);
	pa_pdf_right(d, line, BODY);
	pa_pdf_gap(d, 10);
	snprintf(line, sizeof line, "%s：", c->unit && *c->unit ? c->unit : "承办单位");
	pa_pdf_para(d, line, BODY, 0);
	snprintf(line, sizeof line,
		 "你单位承办的下列事项已列入%s，请接此通知后认真核查办理，于%s前将办理情况书面"
		 "反馈%s。逾期未反馈的，将予以通报。",
		 strcmp(s->level, "督办") == 0 ? "督办" : s->level, s->due, issuer);
	pa_pdf_para(d, line, BODY, 2);
	pa_pdf_gap(d, 8);
	struct pa_pdf_table t = {2, kv_w, NULL, TABLE};
	pa_pdf_table_begin(d, &t);
	kv(d, "被督办单位", c->unit);
	kv(d, "案件编号", c->number);
	kv(d, "案件类型", c->type);
	kv(d, "事项名称", c->title);
	kv(d, "登记时间", c->reported_at);
	kv(d, "当前状态", c->status);
	kv(d, "督办级别", s->level);
	kv(d, "督办时间", s->at);
	kv(d, "督办人", s->by);
	kv(d, "反馈期限", s->due);
	kv(d, "督办意见", s->note);
	kv(d, "反馈情况", s->report);
	pa_pdf_table_end(d);
	pa_pdf_need(d, 100);
	pa_pdf_gap(d, 30);
	snprintf(line, sizeof line, "%s（印章）", issuer);
	pa_pdf_right(d, line, BODY);
	pa_pdf_right(d, s->date, BODY);
	rc = pa_pdf_finish(d, pdf, len);
	pa_pdf_free(d);
	return rc;
}
