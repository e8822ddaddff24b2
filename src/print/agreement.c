/* agreement.c: the mediation agreement (人民调解协议书) in the shape the Ministry of
 * Justice's model text gives it: parties, the facts in dispute, the terms agreed, how
 * many copies, and room for every signature and the committee's seal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print/docs.h"

#define BODY 12.0

#define BLANK "__________"

/* A party with the particulars the model text asks for; what is not known is left as a
 * line to fill in by hand. */
static void party_line(struct pa_pdf *d, const struct pa_doc_party *p)
{
	char line[2048];
#define OR_BLANK(x) ((x) && *(x) ? (x) : BLANK)
	snprintf(line, sizeof line,
		 "%s：%s，性别：%s，出生日期：%s，民族：%s，身份证号码：%s，住址：%s，联系电话：%s",
		 p->role, OR_BLANK(p->name), OR_BLANK(p->sex), OR_BLANK(p->birth),
		 OR_BLANK(p->ethnicity), OR_BLANK(p->id_number), OR_BLANK(p->address),
		 OR_BLANK(p->phone));
#undef OR_BLANK
	pa_pdf_para(d, line, BODY, 2);
}

static void fields_out(struct pa_pdf *d, const struct pa_doc_record *r)
{
	for (int i = 0; i < r->nfields; i++) {
		const struct pa_doc_field *f = &r->fields[i];
		char line[512];
		if (f->longtext) {
			snprintf(line, sizeof line, "%s：", f->name);
			pa_pdf_para(d, line, BODY, 2);
			pa_pdf_para(d, f->value, BODY, 2);
		} else {
			snprintf(line, sizeof line, "%s：%s", f->name, f->value);
			pa_pdf_para(d, line, BODY, 2);
		}
	}
}

enum pa_err pa_print_agreement(const struct pa_pdf_fonts *f, const struct pa_doc_case *c,
			       const struct pa_doc_agreement *g, char **pdf, size_t *len)
{
	struct pa_pdf *d;
	enum pa_err rc = pa_pdf_new(f, "人民调解协议书", NULL, &d);
	if (rc)
		return rc;
	const char *committee = g->committee && *g->committee ? g->committee : c->unit;
	pa_pdf_gap(d, 10);
	pa_pdf_heading(d, "人民调解协议书", 22, PA_PDF_CENTER);
	pa_pdf_gap(d, 8);
	char line[1024], num[32];
	snprintf(line, sizeof line, "编号：%s", c->number);
	pa_pdf_right(d, line, BODY);
	pa_pdf_gap(d, 6);

	pa_pdf_heading(d, "当事人", 14, PA_PDF_LEFT);
	for (int i = 0; i < c->nparties; i++)
		party_line(d, &c->parties[i]);
	if (!c->nparties)
		pa_pdf_para(d, "（未登记当事人）", BODY, 2);

	pa_pdf_gap(d, 6);
	pa_pdf_heading(d, "调解组织及人民调解员", 14, PA_PDF_LEFT);
	snprintf(line, sizeof line, "人民调解委员会：%s", committee);
	pa_pdf_para(d, line, BODY, 2);
	size_t n = (size_t)snprintf(line, sizeof line, "人民调解员：");
	for (int i = 0; i < g->nmediators && n < sizeof line; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? "、" : "",
				      g->mediators[i]);
	if (!g->nmediators)
		snprintf(line + n, sizeof line - n, "%s", BLANK);
	pa_pdf_para(d, line, BODY, 2);

	pa_pdf_gap(d, 6);
	pa_pdf_heading(d, "纠纷主要事实、争议事项", 14, PA_PDF_LEFT);
	pa_pdf_para(d, c->description, BODY, 2);
	for (int i = 0; g->session && i < g->session->nfields; i++)
		if (g->session->fields[i].longtext)
			pa_pdf_para(d, g->session->fields[i].value, BODY, 2);

	pa_pdf_gap(d, 6);
	snprintf(line, sizeof line, "经%s调解，当事人自愿达成如下协议：", committee);
	pa_pdf_heading(d, line, 14, PA_PDF_LEFT);
	fields_out(d, g->agreement);

	pa_pdf_gap(d, 6);
	snprintf(line, sizeof line,
		 "本协议一式%s份，当事人、人民调解委员会各持一份，自当事人签名（盖章或按指印）、"
		 "人民调解员签名并加盖人民调解委员会印章之日起生效。",
		 pa_cn_number(c->nparties + 1, num));
	pa_pdf_para(d, line, BODY, 2);

	/* signatures: room to sign by hand, never printed names standing in for them */
	pa_pdf_need(d, 220 + 22.0 * g->nmediators);
	pa_pdf_gap(d, 18);
	pa_pdf_para(d, "当事人（签名盖章或按指印）：", BODY, 0);
	for (int i = 0; i < c->nparties; i++) {
		pa_pdf_gap(d, 10);
		snprintf(line, sizeof line, "%s：____________________", c->parties[i].role);
		pa_pdf_para(d, line, BODY, 2);
	}
	pa_pdf_gap(d, 16);
	pa_pdf_para(d, "人民调解员（签名）：", BODY, 0);
	for (int i = 0; i < (g->nmediators ? g->nmediators : 1); i++) {
		pa_pdf_gap(d, 10);
		pa_pdf_para(d, "____________________", BODY, 2);
	}
	pa_pdf_gap(d, 10);
	pa_pdf_para(d, "记录人（签名）：____________________", BODY, 0);
	pa_pdf_gap(d, 24);
	snprintf(line, sizeof line, "%s（印章）", committee);
	pa_pdf_right(d, line, BODY);
	pa_pdf_right(d, g->agreement->date, BODY);
	rc = pa_pdf_finish(d, pdf, len);
	pa_pdf_free(d);
	return rc;
}
