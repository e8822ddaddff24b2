/* docs.h: the printed documents of a case — the mediation agreement (人民调解协议书) and
 * the dossier (卷宗). They take a case already put into words: every name resolved, every
 * time formatted, personal data already masked as the reader may see it (service/
 * documents.c does that), so printing decides layout only. */
#ifndef PA_DOCS_H
#define PA_DOCS_H

#include <stddef.h>

#include "core/err.h"
#include "print/pdf.h"

struct pa_doc_party {
	const char *role, *name, *id_number, *phone, *address;
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
};
struct pa_doc_attachment {
	const char *name, *mime, *size, *by, *at, *sha256;
};
struct pa_doc_link {
	const char *kind, *number;
};

struct pa_doc_case {
	const char *number, *type, *category, *title, *status, *grid, *address, *channel, *unit,
		*tier, *reported_at, *description, *rating, *routing_rule, *printed_at, *printed_by;
	int nparties, nfields, nrecords, nsteps, nsupervisions, nattachments, nlinks;
	const struct pa_doc_party *parties;
	const struct pa_doc_field *fields; /* the case type's own form fields, filled ones */
	const struct pa_doc_record *records;
	const struct pa_doc_step *steps;
	const struct pa_doc_supervision *supervisions;
	const struct pa_doc_attachment *attachments;
	const struct pa_doc_link *links;
};

/* 人民调解协议书 from the case and its agreement record (facts: the last mediation
 * session's record, or NULL). *pdf is malloc'd. */
enum pa_err pa_print_agreement(const struct pa_pdf_fonts *f, const struct pa_doc_case *c,
			       const struct pa_doc_record *agreement,
			       const struct pa_doc_record *session, char **pdf, size_t *len);
/* 卷宗: cover, parties, facts, every step, records, supervision, call-back, attachments. */
enum pa_err pa_print_dossier(const struct pa_pdf_fonts *f, const struct pa_doc_case *c, char **pdf,
			     size_t *len);

#endif
