/* test_print.c: the A4 layout over libharu — documents come out whole however long or odd
 * their text: tables run over pages, an unbroken string wraps, broken UTF-8 prints, a
 * runaway document is cut at its page limit, and a missing font is a clear error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print/pdf.h"

static struct pa_pdf_fonts fonts;

static int setup(void **st)
{
	(void)st;
	return pa_pdf_fonts_find(NULL, &fonts) == PA_OK ? 0 : -1;
}

static struct pa_pdf *doc(void)
{
	struct pa_pdf *d = NULL;
	assert_int_equal(pa_pdf_new(&fonts, "测试", "页眉 header", &d), PA_OK);
	return d;
}

/* Finish, check the bytes are a whole PDF, and give the page count. */
static int finish(struct pa_pdf *d)
{
	char *pdf;
	size_t n;
	int pages = pa_pdf_pages(d);
	assert_int_equal(pa_pdf_finish(d, &pdf, &n), PA_OK);
	assert_true(n > 1000);
	assert_memory_equal(pdf, "%PDF-1.", 7);
	assert_non_null(memmem(pdf + n - 16, 16, "%%EOF", 5));
	free(pdf);
	pa_pdf_free(d);
	return pages;
}

static const double w3[] = {0.1, 0.3, 0.6};
static const char *const head3[] = {"序号", "时间", "意见"};

static void test_table_runs_over_pages(void **st)
{
	(void)st;
	struct pa_pdf *d = doc();
	pa_pdf_heading(d, "办理过程", 14, PA_PDF_LEFT);
	struct pa_pdf_table t = {3, w3, head3, 9};
	pa_pdf_table_begin(d, &t);
	for (int i = 0; i < 200; i++) {
		char seq[16];
		snprintf(seq, sizeof seq, "%d", i + 1);
		const char *cells[] = {seq, "2026年11月29日 10:00",
				       i % 7 ? "同意"
					     : "经核查，处置结果属实，群众表示满意，同意办结。"};
		pa_pdf_table_row(d, cells);
	}
	pa_pdf_table_end(d);
	pa_pdf_para(d, "表后的一段文字。", 10.5, 2);
	int pages = finish(d);
	assert_true(pages >= 5 && pages < 40);
}

static void test_long_unbroken_text(void **st)
{
	(void)st;
	size_t n = 20000;
	char *s = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = 0;
	struct pa_pdf *d = doc();
	pa_pdf_para(d, s, 12, 2); /* one Latin "word" wider than many lines */
	struct pa_pdf_table t = {3, w3, NULL, 9};
	pa_pdf_table_begin(d, &t);
	const char *cells[] = {"1", s,
			       "，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，，"};
	pa_pdf_table_row(d, cells); /* a row taller than a page: sliced */
	pa_pdf_table_end(d);
	free(s);
	assert_true(finish(d) > 3);
	/* closing marks may hang one past the margin, not run off the page: 2000 of them
	 * fill lines of their own, page after page */
	char *marks = malloc(2000 * 3 + 2);
	marks[0] = 'a';
	for (int i = 0; i < 2000; i++)
		memcpy(marks + 1 + 3 * i, "，", 3);
	marks[1 + 3 * 2000] = 0;
	d = doc();
	pa_pdf_para(d, marks, 12, 0);
	free(marks);
	assert_true(finish(d) >= 2);
}

static void test_odd_bytes(void **st)
{
	(void)st;
	struct pa_pdf *d = doc();
	pa_pdf_para(d, "坏的\xff\xfe字节\xe4\xb8 与 \t 制表符\r\n\n\n空行", 12, 2);
	pa_pdf_para(d, "", 12, 2);
	pa_pdf_para(d, NULL, 12, 2);
	pa_pdf_right(d, "2026年11月29日", 12);
	pa_pdf_heading(d, "", 14, PA_PDF_CENTER);
	assert_int_equal(finish(d), 1);
}

static void test_page_limit(void **st)
{
	(void)st;
	struct pa_pdf *d = doc();
	for (int i = 0; i < 600; i++)
		pa_pdf_need(d, 100000); /* a new page each time */
	assert_int_equal(finish(d), 500);
}

static void test_missing_font(void **st)
{
	(void)st;
	struct pa_pdf_fonts f;
	assert_int_equal(pa_pdf_fonts_find("/nonexistent/font.ttf", &f), PA_UNAVAILABLE);
	assert_non_null(strstr(pa_err_last()->message, "/nonexistent/font.ttf"));
	assert_int_equal(pa_pdf_fonts_find("/nonexistent/collection.ttc:2", &f), PA_UNAVAILABLE);
	/* a file that is no font: the document cannot start, and says so */
	strcpy(f.body, "/etc/hostname");
	strcpy(f.heading, "/etc/hostname");
	f.body_index = f.heading_index = 0;
	struct pa_pdf *d = NULL;
	assert_int_equal(pa_pdf_new(&f, "x", NULL, &d), PA_UNAVAILABLE);
	assert_null(d);
	/* a heading face that will not load: the body's serves for headings too */
	f = fonts;
	strcpy(f.heading, "/etc/hostname");
	assert_int_equal(pa_pdf_new(&f, "x", NULL, &d), PA_OK);
	pa_pdf_heading(d, "标题", 16, PA_PDF_CENTER);
	assert_int_equal(finish(d), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_runs_over_pages),
		cmocka_unit_test(test_long_unbroken_text),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_page_limit),
		cmocka_unit_test(test_missing_font),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
