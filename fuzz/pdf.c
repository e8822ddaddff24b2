/* pdf.c: fuzz target — text as printed documents lay it out (src/print/pdf.c): the input is
 * the text of a heading (its first line), a paragraph (all of it), a line at the right
 * margin (its last line) and a ruled table (a row per line, cells split at tabs), through
 * line breaking, character substitution, page breaks and libharu with the Chinese fonts.
 * Loading the fonts and embedding them take about a second a document, so inputs share
 * one: it is finished every PER_DOC inputs (and at exit) and must always come out, as a
 * failure would answer a 500. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "print/pdf.h"

#define PER_DOC 32

static struct pa_pdf_fonts fonts;
static struct pa_pdf *doc;
static int inputs; /* laid out in doc */

static void doc_finish(void)
{
	if (!doc)
		return;
	char *pdf;
	size_t len;
	if (pa_pdf_finish(doc, &pdf, &len))
		fz_fail("the document was not made: %s", pa_err_last()->message);
	if (len < 5 || memcmp(pdf, "%PDF-", 5) != 0 || pa_pdf_pages(doc) > 500)
		fz_fail("the document is not a PDF of at most 500 pages");
	free(pdf);
	pa_pdf_free(doc);
	doc = NULL;
	inputs = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pa_pdf_fonts_find(NULL, &fonts))
		fz_fail("no fonts: %s", pa_err_last()->message);
	atexit(doc_finish);
	return 0;
}

static void table(struct pa_pdf *d, char *s)
{
	static const double widths[] = {0.2, 0.5, 0.3};
	static const char *const header[] = {"时间", "经过", "办理人"};
	struct pa_pdf_table t = {3, widths, header, 10.5};
	pa_pdf_table_begin(d, &t);
	for (char *line = s, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		const char *cells[3] = {line, "", ""};
		for (int c = 1; c < 3; c++) {
			char *tab = strchr(cells[c - 1], '\t');
			if (!tab)
				break;
			*tab = 0;
			cells[c] = tab + 1;
		}
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_text(data, size);
	if (!doc && pa_pdf_new(&fonts, "卷宗", "PA-2026-000001　dispute　卷宗", &doc))
		fz_fail("cannot start a document: %s", pa_err_last()->message);
	char *nl = strchr(s, '\n'), *last = strrchr(s, '\n');
	char *first = nl ? strndup(s, (size_t)(nl - s)) : strdup(s);
	pa_pdf_heading(doc, first, 22, PA_PDF_CENTER);
	pa_pdf_para(doc, s, 16, 2);
	pa_pdf_right(doc, last ? last + 1 : s, 16);
	table(doc, s);
	if (++inputs == PER_DOC)
		doc_finish();
	free(first);
	free(s);
	return 0;
}
