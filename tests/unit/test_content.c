/* test_content.c: unit tests for the demo city's generated words — determinism, valid
 * IDs and phones, unique village names, and case texts for every category. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/content.h"

static const char *const categories[][2] = {
	{"dispute", "neighbour"},    {"dispute", "land"},
	{"dispute", "family"},       {"dispute", "wage"},
	{"dispute", "property"},     {"dispute", "traffic"},
	{"dispute", "medical"},      {"dispute", "school"},
	{"dispute", "debt"},         {"hazard", "fire"},
	{"hazard", "road"},          {"hazard", "building"},
	{"hazard", "flood"},         {"hazard", "gas"},
	{"hazard", "campus"},        {"request", "livelihood"},
	{"request", "environment"},  {"request", "business"},
	{"request", "legal_aid"},    {"request", "infrastructure"},
	{"request", "public_order"},
};
#define NCATS (sizeof categories / sizeof categories[0])

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	for (const char *p = strstr(s, needle); p; p = strstr(p + l, needle))
		n++;
	return n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void test_rng(void **state)
{
	(void)state;
	struct pa_rng a = {42}, b = {42}, c = {43};
	bool differs = false;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = pa_rng_next(&a);
		assert_int_equal(x, pa_rng_next(&b));
		if (x != pa_rng_next(&c))
			differs = true;
		assert_true(pa_rng_below(&a, 7) < 7);
		pa_rng_below(&b, 7);
		double u = pa_rng_unit(&a);
		pa_rng_unit(&b);
		assert_true(u >= 0.0 && u < 1.0);
	}
	assert_true(differs);
	assert_int_equal(pa_rng_below(&a, 1), 0);
}

/* Runs a fixed sequence of every generator and appends all outputs to one string. */
static char *generate_all(struct pa_arena *a, uint64_t seed)
{
	struct pa_rng r = {seed};
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	buf[0] = 0;
#define ADD(s)                                   \
	do {                                     \
		const char *s_ = (s);            \
		assert_non_null(s_);             \
		size_t l_ = strlen(s_);          \
		while (n + l_ + 2 > cap) {       \
			cap *= 2;                \
			buf = realloc(buf, cap); \
			assert_non_null(buf);    \
		}                                \
		memcpy(buf + n, s_, l_);         \
		n += l_;                         \
		buf[n++] = '\n';                 \
		buf[n] = 0;                      \
	} while (0)
	for (int i = 0; i < 20; i++) {
		ADD(pa_demo_village_name(a, &r, i % 25, i, i % 2));
		ADD(pa_demo_person_name(a, &r));
		ADD(pa_demo_id_number(a, &r, "429006"));
		ADD(pa_demo_phone(a, &r));
	}
	for (size_t k = 0; k < NCATS; k++) {
		struct pa_demo_case_text t;
		pa_demo_case_text(a, &r, categories[k][0], categories[k][1], "罗家台村",
				  pa_demo_person_name(a, &r), pa_demo_person_name(a, &r), &t);
		ADD(t.title);
		ADD(t.description);
	}
#undef ADD
	return buf;
}

static void test_determinism(void **state)
{
	(void)state;
	struct pa_arena a1, a2;
	pa_arena_init(&a1);
	pa_arena_init(&a2);
	char *x = generate_all(&a1, 20220601);
	char *y = generate_all(&a2, 20220601);
	char *z = generate_all(&a2, 20220602);
	assert_string_equal(x, y);
	assert_string_not_equal(x, z);
	free(x);
	free(y);
	free(z);
	pa_arena_free(&a1);
	pa_arena_free(&a2);
}

static bool valid_date(int y, int m, int d)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	int max = dim[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

static void test_id_numbers(void **state)
{
	(void)state;
	/* GB 11643-1999: weights are 2^(17-i) mod 11; the check digit makes the weighted sum,
	 * with X counting 10 and weight 1, congruent to 1 mod 11. */
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {7};
	for (int i = 0; i < 1000; i++) {
		const char *id = pa_demo_id_number(&a, &r, i % 2 ? "429006" : "420100");
		assert_int_equal(strlen(id), 18);
		assert_memory_equal(id, i % 2 ? "429006" : "420100", 6);
		long sum = 0;
		for (int k = 0; k < 17; k++) {
			assert_true(id[k] >= '0' && id[k] <= '9');
			long w = 1;
			for (int e = 0; e < 17 - k; e++)
				w = w * 2 % 11;
			sum += (id[k] - '0') * w;
		}
		int last = id[17] == 'X' ? 10 : id[17] - '0';
		assert_true(last >= 0 && last <= 10);
		assert_int_equal((sum + last) % 11, 1);
		int y, m, d;
		assert_int_equal(sscanf(id + 6, "%4d%2d%2d", &y, &m, &d), 3);
		assert_true(y >= 1940 && y <= 2005);
		assert_true(valid_date(y, m, d));
		assert_memory_not_equal(id + 14, "000", 3);
	}
	/* A malformed area code falls back to the demo city rather than corrupting the ID. */
	assert_memory_equal(pa_demo_id_number(&a, &r, "42"), "429006", 6);
	assert_memory_equal(pa_demo_id_number(&a, &r, NULL), "429006", 6);
	pa_arena_free(&a);
}

static void test_phones(void **state)
{
	(void)state;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {99};
	for (int i = 0; i < 1000; i++) {
		const char *p = pa_demo_phone(&a, &r);
		assert_int_equal(strlen(p), 11);
		assert_int_equal(p[0], '1');
		assert_true(p[1] >= '3' && p[1] <= '9');
		for (int k = 0; k < 11; k++)
			assert_true(p[k] >= '0' && p[k] <= '9');
	}
	pa_arena_free(&a);
}

static void test_village_names(void **state)
{
	(void)state;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {1};
	/* 120 reaches past the community table, into the numbered second round. */
	enum { N = 120 };
	const char *names[N];
	for (int town = 0; town < pa_demo_ntowns; town++) {
		for (int comm = 0; comm <= 1; comm++) {
			for (int i = 0; i < N; i++) {
				names[i] = pa_demo_village_name(&a, &r, town, i, comm);
				assert_non_null(names[i]);
				assert_true(ends_with(names[i], comm ? "社区" : "村"));
				size_t len = utf8_chars(names[i]);
				assert_true(len >= 2 && len <= 8);
				for (int j = 0; j < i; j++)
					if (strcmp(names[i], names[j]) == 0)
						fail_msg("town %d: %s repeats (index %d and %d)",
							 town, names[i], j, i);
			}
			/* Fixed by (town, index): drawing in between changes nothing. */
			pa_rng_next(&r);
			assert_string_equal(names[5], pa_demo_village_name(&a, &r, town, 5, comm));
		}
	}
	pa_arena_free(&a);
}

static void test_person_names(void **state)
{
	(void)state;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {5};
	int wang_li_zhang = 0;
	for (int i = 0; i < 2000; i++) {
		const char *n = pa_demo_person_name(&a, &r);
		size_t c = utf8_chars(n);
		assert_true(c == 2 || c == 3);
		if (strncmp(n, "王", 3) == 0 || strncmp(n, "李", 3) == 0 ||
		    strncmp(n, "张", 3) == 0)
			wang_li_zhang++;
	}
	/* The three commonest surnames are about a fifth of the population. */
	assert_in_range(wang_li_zhang, 200, 700);
	pa_arena_free(&a);
}

static void test_towns(void **state)
{
	(void)state;
	static const char *const order[] = {"street", "town", "township", "farm"};
	assert_int_equal(pa_demo_ntowns, 25);
	int rank = 0;
	for (int i = 0; i < pa_demo_ntowns; i++) {
		const char *name = pa_demo_town_name(i), *kind = pa_demo_town_kind(i);
		assert_non_null(name);
		assert_non_null(kind);
		int k = 0;
		while (k < 4 && strcmp(kind, order[k]) != 0)
			k++;
		assert_true(k < 4);
		assert_true(k >= rank);
		rank = k;
		const char *suffix = k == 0 ? "街道" : k == 1 ? "镇" : k == 2 ? "乡" : "农场";
		assert_true(ends_with(name, suffix));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, pa_demo_town_name(j));
	}
	assert_string_equal(pa_demo_town_name(0), "竟陵街道");
	assert_null(pa_demo_town_name(-1));
	assert_null(pa_demo_town_name(25));
	assert_null(pa_demo_town_kind(25));
}

static void check_text(const struct pa_demo_case_text *t, const char *place, const char *p1,
		       const char *p2)
{
	assert_non_null(t->title);
	assert_non_null(t->description);
	assert_true(t->title[0] != 0);
	assert_true(utf8_chars(t->title) <= 60);
	assert_true(strstr(t->title, place) || strstr(t->title, p1) || strstr(t->title, p2));
	/* An unexpanded token would show as a brace. */
	assert_null(strchr(t->title, '{'));
	assert_null(strchr(t->description, '{'));
	/* "余" after a figure needs a round one: "20余名", never "12余名". */
	for (const char *p = strstr(t->description, "余"); p; p = strstr(p + 1, "余"))
		if (p > t->description && p[-1] >= '1' && p[-1] <= '9')
			fail_msg("unround figure before 余: %s", t->description);
	size_t sentences = count_of(t->description, "。");
	assert_true(sentences >= 2 && sentences <= 4);
}

static void test_case_texts(void **state)
{
	(void)state;
	static const char *const places[] = {"罗家台村", "陆羽社区", "竟陵街道"};
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {2022};
	for (size_t k = 0; k < NCATS; k++) {
		/* With place and parties fixed, titles differ only by template and numbers. */
		char *seen[64];
		int nseen = 0;
		for (int i = 0; i < 200; i++) {
			struct pa_demo_case_text t;
			const char *place = places[i % 3];
			pa_demo_case_text(&a, &r, categories[k][0], categories[k][1], place,
					  "王建国", "李秀英", &t);
			check_text(&t, place, "王建国", "李秀英");
			if (i % 3)
				continue;
			char *shape = strdup(t.title);
			char *w = shape;
			for (const char *p = t.title; *p; p++)
				if (*p < '0' || *p > '9')
					*w++ = *p;
			*w = 0;
			int j = 0;
			while (j < nseen && strcmp(seen[j], shape) != 0)
				j++;
			if (j == nseen && nseen < 64)
				seen[nseen++] = shape;
			else
				free(shape);
		}
		if (nseen < 4)
			fail_msg("%s/%s: only %d distinct titles", categories[k][0],
				 categories[k][1], nseen);
		for (int j = 0; j < nseen; j++)
			free(seen[j]);
	}
	pa_arena_free(&a);
}

static void test_case_text_edges(void **state)
{
	(void)state;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_rng r = {3};
	struct pa_demo_case_text t;

	pa_demo_case_text(&a, &r, "dispute", "no_such", "张湾村", "刘伟", "刘芳", &t);
	check_text(&t, "张湾村", "刘伟", "刘芳");
	pa_demo_case_text(&a, &r, "no_such", "fire", "张湾村", "刘伟", "陈芳", &t);
	check_text(&t, "张湾村", "刘伟", "陈芳");
	pa_demo_case_text(&a, &r, NULL, NULL, "张湾村", "刘伟", "陈芳", &t);
	check_text(&t, "张湾村", "刘伟", "陈芳");

	/* Missing place and parties still give a readable text. */
	pa_demo_case_text(&a, &r, "hazard", "gas", NULL, NULL, NULL, &t);
	assert_true(t.title[0] && t.description[0]);
	assert_null(strstr(t.description, "(null)"));

	/* Same surname: the second party is masked differently, so the title names two people. */
	for (int i = 0; i < 20; i++) {
		pa_demo_case_text(&a, &r, "dispute", "land", "张湾村", "刘伟", "刘芳", &t);
		if (strstr(t.title, "刘某与"))
			assert_non_null(strstr(t.title, "刘某某"));
	}

	/* An over-long place is clipped to 60 characters on a character boundary. */
	const char *longplace =
		"天门市某某镇某某管理区某某片区某某村民小组某某自然湾某某新建安置小区"
		"某某村";
	for (int i = 0; i < 30; i++) {
		pa_demo_case_text(&a, &r, "request", "livelihood", longplace, "王建国", "李秀英",
				  &t);
		assert_true(utf8_chars(t.title) <= 60);
		assert_true(t.title[0]);
	}
	pa_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_id_numbers),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_village_names),
		cmocka_unit_test(test_person_names),
		cmocka_unit_test(test_towns),
		cmocka_unit_test(test_case_texts),
		cmocka_unit_test(test_case_text_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
