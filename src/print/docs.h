/* docs.h: the printed documents of a case — the mediation agreement (人民调解协议书), the
 * dossier (卷宗), the petition's notices and written reply (信访事项受理告知书, 不予受理
 * 告知书, 处理意见书) and the supervision notice (督办通知单). They take a case already put
 * into words: every name resolved, every time formatted, personal data already masked as
 * the reader may see it or revealed in full for the agreement (service/documents.c does
 * that), so printing decides layout only. */
#ifndef PA_DOCS_H
#define PA_DOCS_H

#include <stddef.h>

#include "core/err.h"
#include "print/pdf.h"

struct pa_doc_party {
	const char *role, *name, *id_number, *phone, *address;
	/* the agreement's particulars: what is not known (NULL) is a blank line to fill by
	 * hand, as on the paper form */
	const char *sex, *birth, *ethnicity;
};
struct pa_doc_field {
	const char *name, *value;
	int longtext; /* printed as a paragraph, not a table cell */
};
struct pa_doc_record {
	const char *kind, *name, *by, *at;
	const char *date; /* its own first date field (signed on, held on …), else at's date */
	int nfields;
	const struct pa_doc_field *fields;
};
struct pa_doc_step {
	const char *at, *action, *from_unit, *to_unit, *actor, *note;
};
struct pa_doc_supervision {
	const char *level, *by, *at, *due, *note, *report;
	const char *date; /* at's date alone */
};
struct pa_doc_attachment {
	const char *name, *kind, *size, *by, *at; /* kind: 图片、PDF 文件 … */
};
struct pa_doc_link {
	const char *kind, *number;
};

struct pa_doc_case {
	const char *number, *type, *category, *title, *status, *grid, *address, *channel, *unit,
		*tier, *reported_at, *description, *rating, *printed_at, *printed_by;
	const char *routing_rule; /* in words: what the rule matched and where it sent the case */
	int nparties, nfields, nrecords, nsteps, nsupervisions, nattachments, nlinks;
	const struct pa_doc_party *parties;
	const struct pa_doc_field *fields; /* the case type's own form fields, filled ones */
	const struct pa_doc_record *records;
	const struct pa_doc_step *steps;
	const struct pa_doc_supervision *supervisions;
	const struct pa_doc_attachment *attachments;
	const struct pa_doc_link *links;
};

/* The agreement's own parts beside the case: its record, the facts (the last mediation
 * session's record, or NULL), the 人民调解委员会 that mediated it (whose seal it takes) and
 * its mediators (those who kept the mediation's records). */
struct pa_doc_agreement {
	const struct pa_doc_record *agreement, *session;
	const char *committee;
	int nmediators;
	const char *const *mediators;
};

/* 人民调解协议书: the parties with their full particulars (c->parties as revealed). *pdf is
 * malloc'd. */
enum pa_err pa_print_agreement(const struct pa_pdf_fonts *f, const struct pa_doc_case *c,
			       const struct pa_doc_agreement *g, char **pdf, size_t *len);

/* A letter to a person (告知书, 意见书): title, number, the addressee, paragraphs (the
 * first ones after "addressee：", each indented), the issuing unit with room for its seal,
 * the date, and a tear-off receipt (回执) when receipt is not NULL. */
struct pa_doc_letter {
	const char *title, *number, *addressee;
	int nparas;
	const char *const *paras;
	const char *issuer, *date;
	const char *receipt;
};
enum pa_err pa_print_letter(const struct pa_pdf_fonts *f, const struct pa_doc_letter *l, char **pdf,
			    size_t *len);

/* 督办通知单: one supervision of the case, to the unit holding it, from issuer. */
enum pa_err pa_print_supervision(const struct pa_pdf_fonts *f, const struct pa_doc_case *c,
				 const struct pa_doc_supervision *s, const char *issuer, char **pdf,
				 size_t *len);

/* n (0 … 9999) in Chinese numerals as legal text writes them: 3 → 三, 12 → 十二, 105 →
 * 一百零五. out has room for 32 bytes. */
const char *pa_cn_number(int n, char out[32]);
/* 卷宗: cover, parties, facts, every step, records, supervision, call-back, attachments. */
enum pa_err pa_print_dossier(const struct pa_pdf_fonts *f, const struct pa_doc_case *c, char **pdf,
			     size_t *len);

#endif
