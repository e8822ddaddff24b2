/* pdf.h: A4 documents with Chinese text, laid out top to bottom — headings, wrapped
 * paragraphs, label/value rows and ruled tables that break across pages — over libharu,
 * with TrueType CJK fonts embedded (only the glyphs used). Knows nothing of cases. */
#ifndef PA_PDF_H
#define PA_PDF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* The TrueType fonts (files and their index in a collection): body text is a Song (Ming)
 * face as official documents use; headings may use a Hei face, else the body's. */
struct pa_pdf_fonts {
	char body[512], heading[512];
	int body_index, heading_index;
};

/* Find the fonts: `body` (FILE or FILE:INDEX) if given, else the Debian packages'
 * fonts-arphic-uming (宋) and fonts-wqy-zenhei (黑). UNAVAILABLE if none is installed. */
enum pa_err pa_pdf_fonts_find(const char *body, struct pa_pdf_fonts *out);

struct pa_pdf;

enum pa_pdf_align { PA_PDF_LEFT, PA_PDF_CENTER, PA_PDF_RIGHT };

/* A new document; header (may be NULL) is printed small at the top of every page, and
 * every page gets "第 N 页 共 M 页" at the foot. */
enum pa_err pa_pdf_new(const struct pa_pdf_fonts *f, const char *title, const char *header,
		       struct pa_pdf **out);
void pa_pdf_free(struct pa_pdf *d);

/* One line or more, in the heading face. */
void pa_pdf_heading(struct pa_pdf *d, const char *text, double size, enum pa_pdf_align align);
/* A paragraph in the body face, wrapped at the margins; "\n" starts a new line. indent:
 * the first line's indent in characters (2 for Chinese prose). */
void pa_pdf_para(struct pa_pdf *d, const char *text, double size, int indent);
/* Text at the right margin (dates, signatures). */
void pa_pdf_right(struct pa_pdf *d, const char *text, double size);
/* Vertical space in points. */
void pa_pdf_gap(struct pa_pdf *d, double pts);
/* Start a new page unless at least pts remain on this one. */
void pa_pdf_need(struct pa_pdf *d, double pts);

/* A ruled table; widths are fractions of the text width (summing to 1). The header row
 * (may be NULL) repeats on each page the table runs onto. Cells wrap. */
struct pa_pdf_table {
	int ncols;
	const double *widths;
	const char *const *header;
	double size;
};
void pa_pdf_table_begin(struct pa_pdf *d, const struct pa_pdf_table *t);
void pa_pdf_table_row(struct pa_pdf *d, const char *const *cells);
void pa_pdf_table_end(struct pa_pdf *d);

/* Pages so far (at most 500: a longer document is cut, and says so on its last page). */
int pa_pdf_pages(const struct pa_pdf *d);

/* Number the pages and give the document: *pdf is malloc'd, for the caller to free.
 * A layout or font failure on the way is reported here. */
enum pa_err pa_pdf_finish(struct pa_pdf *d, char **pdf, size_t *len);

#endif
