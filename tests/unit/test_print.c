/* test_print.c: the A4 layout over libharu — documents come out whole however long or odd
 * their text: tables run over pages, an unbroken string wraps, broken UTF-8 prints, a
 * runaway document is cut at its page limit, and a missing font is a clear error; every
 * kind of document gives its Chinese back through poppler's pdftotext without a word of
 * complaint (a valid ToUnicode CMap); legal text counts in Chinese numerals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print/docs.h"
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

/* pdftotext's text of a PDF with all white space taken out (malloc'd); its complaints, if
 * any, go into err (empty when it had none). */
static char *extract(const char *pdf, size_t n, char err[4096])
{
	char dir[] = "/tmp/pingan-print-XXXXXX", path[128], epath[128], cmd[512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/a.pdf", dir);
	snprintf(epath, sizeof epath, "%s/err", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf, 1, n, f), n);
	fclose(f);
	snprintf(cmd, sizeof cmd, "pdftotext -raw %s - 2>%s", path, epath);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	int c;
	while ((c = fgetc(p)) != EOF) {
		if (c == ' ' || c == '\n' || c == '\f' || c == '\t' || c == '\r')
			continue;
		if (len + 1 == cap)
			out = realloc(out, cap *= 2);
		out[len++] = (char)c;
	}
	out[len] = 0;
	assert_int_equal(pclose(p), 0); /* pdftotext (poppler-utils) is installed and read it */
	f = fopen(epath, "r");
	size_t k = f ? fread(err, 1, 4095, f) : 0;
	err[k] = 0;
	if (f)
		fclose(f);
	unlink(epath);
	unlink(path);
	rmdir(dir);
	return out;
}

static void assert_extracts(char *pdf, size_t n, const char *const *want)
{
	char err[4096];
	char *text = extract(pdf, n, err);
	free(pdf);
	if (err[0])
		fail_msg("pdftotext complained: %s", err);
	for (; *want; want++)
		if (!strstr(text, *want))
			fail_msg("\"%s\" not in the text: %s", *want, text);
	free(text);
}

static void test_text_layer(void **st)
{
	(void)st;
	struct pa_pdf *d = doc();
	pa_pdf_heading(d, "人民调解协议书", 22, PA_PDF_CENTER);
	pa_pdf_para(d, "申请人：高琴，住址：渔薪镇某村三组。Latin 123 ½ №", 12, 2);
	struct pa_pdf_table t = {3, w3, head3, 9};
	pa_pdf_table_begin(d, &t);
	const char *cells[] = {"1", "2026年11月29日", "同意办结（经核查属实）"};
	pa_pdf_table_row(d, cells);
	pa_pdf_table_end(d);
	char *pdf;
	size_t n;
	assert_int_equal(pa_pdf_finish(d, &pdf, &n), PA_OK);
	pa_pdf_free(d);
	assert_extracts(pdf, n,
			(const char *const[]){"页眉header", "人民调解协议书",
					      "申请人：高琴，住址：渔薪镇某村三组。Latin123½№",
					      "序号时间意见", "同意办结（经核查属实）",
					      "第1页共1页", NULL});
}

/* Every layout of docs.h, from a small case. */
static void test_every_document(void **st)
{
	(void)st;
	struct pa_doc_party parties[] = {
		{.role = "申请人",
		 .name = "高琴",
		 .id_number = "429006198503151234",
		 .address = "渔薪镇",
		 .sex = "男",
		 .birth = "1985年3月15日"},
		{.role = "被申请人", .name = "张刚"},
	};
	struct pa_doc_field terms[] = {{"协议内容", "张刚于月底前支付抚养费。", 1}};
	struct pa_doc_record rec = {.kind = "agreement",
				    .name = "调解协议",
				    .by = "李调解",
				    .at = "2026年11月21日 10:00",
				    .date = "2026年11月21日",
				    .nfields = 1,
				    .fields = terms};
	struct pa_doc_supervision sv = {.level = "红牌督办",
					.by = "刘敏",
					.at = "2026年11月22日 09:00",
					.date = "2026年11月22日",
					.due = "2026年11月25日",
					.note = "请三日内反馈",
					.report = "—"};
	struct pa_doc_attachment att = {"现场照片.png", "图片", "2 KB", "王五",
					"2026年11月20日 08:00"};
	struct pa_doc_case c = {.number = "PA-429006-2026-000001",
				.type = "矛盾纠纷",
				.title = "抚养费纠纷",
				.status = "处置中",
				.unit = "天门市婚姻家庭纠纷人民调解委员会",
				.description = "双方因抚养费争执。",
				.routing_rule = "矛盾纠纷·婚姻家庭纠纷按规则分派至渔薪镇综治中心",
				.nparties = 2,
				.parties = parties,
				.nrecords = 1,
				.records = &rec,
				.nsupervisions = 1,
				.supervisions = &sv,
				.nattachments = 1,
				.attachments = &att};
	const char *mediators[] = {"李调解", "赵调解"};
	struct pa_doc_agreement g = {&rec, NULL, "天门市婚姻家庭纠纷人民调解委员会", 2, mediators};
	char *pdf;
	size_t n;
	assert_int_equal(pa_print_agreement(&fonts, &c, &g, &pdf, &n), PA_OK);
	assert_extracts(
		pdf, n,
		(const char *const[]){
			"申请人：高琴，性别：男，出生日期：1985年3月15日，民族：__________，"
			"身份证号码：429006198503151234",
			"被申请人：张刚，性别：__________", "人民调解员：李调解、赵调解",
			"本协议一式三份", "天门市婚姻家庭纠纷人民调解委员会（印章）", NULL});
	assert_int_equal(pa_print_dossier(&fonts, &c, &pdf, &n), PA_OK);
	assert_extracts(pdf, n,
			(const char *const[]){"卷宗", "红牌督办2026年11月22日09:00刘敏",
					      "现场照片.png图片2KB王五", "按规则分派至", NULL});
	assert_int_equal(
		pa_print_supervision(&fonts, &c, &sv, "天门市社会治理综合服务中心", &pdf, &n),
		PA_OK);
	assert_extracts(pdf, n,
			(const char *const[]){"督办通知单", "督办意见请三日内反馈",
					      "天门市社会治理综合服务中心（印章）2026年11月22日",
					      NULL});
	const char *paras[] = {"你于2026年11月20日提出的信访事项，本机关已决定受理。",
			       "特此告知。"};
	struct pa_doc_letter l = {"信访事项受理告知书", "PA-1",           "刘信访",        2, paras,
				  "天门市信访局",       "2026年11月21日", "告知书已收到。"};
	assert_int_equal(pa_print_letter(&fonts, &l, &pdf, &n), PA_OK);
	assert_extracts(pdf, n,
			(const char *const[]){"信访事项受理告知书", "刘信访：", "本机关已决定受理",
					      "天门市信访局（印章）2026年11月21日", "回执",
					      "告知书已收到。", NULL});
}

static void test_chinese_numbers(void **st)
{
	(void)st;
	static const struct {
		int n;
		const char *cn;
	} cases[] = {{0, "零"},
		     {1, "一"},
		     {3, "三"},
		     {10, "十"},
		     {11, "十一"},
		     {20, "二十"},
		     {99, "九十九"},
		     {100, "一百"},
		     {105, "一百零五"},
		     {110, "一百一十"},
		     {1000, "一千"},
		     {1005, "一千零五"},
		     {1050, "一千零五十"},
		     {2026, "二千零二十六"},
		     {9999, "九千九百九十九"}};
	char buf[32];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(pa_cn_number(cases[i].n, buf), cases[i].cn);
	assert_string_equal(pa_cn_number(10000, buf), "10000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_runs_over_pages),
		cmocka_unit_test(test_long_unbroken_text),
		cmocka_unit_test(test_odd_bytes),
		cmocka_unit_test(test_page_limit),
		cmocka_unit_test(test_missing_font),
		cmocka_unit_test(test_text_layer),
		cmocka_unit_test(test_every_document),
		cmocka_unit_test(test_chinese_numbers),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
