/* test_case_cache.c: the rendered-case cache serves only the version it was given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "service/case_cache.h"

static void test_hit_miss_versions(void **st)
{
	(void)st;
	struct pa_case_cache *c = pa_case_cache_new(8);
	struct pa_jw w;
	pa_jw_init(&w, 0);
	assert_false(pa_case_cache_get(c, 1, 1, &w));
	const char *v1 = "{\"id\":1,\"status\":\"reported\"}";
	pa_case_cache_put(c, 1, 1, v1, strlen(v1));
	assert_true(pa_case_cache_get(c, 1, 1, &w));
	/* handed back without its closing brace, ready for more members */
	assert_int_equal(w.len, strlen(v1) - 1);
	assert_memory_equal(w.buf, v1, w.len);
	pa_jw_reopen(&w);
	pa_jw_kint(&w, "x", 2);
	pa_jw_obj_end(&w);
	assert_string_equal(w.buf, "{\"id\":1,\"status\":\"reported\",\"x\":2}");
	pa_jw_free(&w);
	pa_jw_init(&w, 0);
	/* another version of the case is a miss */
	assert_false(pa_case_cache_get(c, 1, 2, &w));
	const char *v2 = "{\"id\":1,\"status\":\"accepted\"}";
	pa_case_cache_put(c, 1, 2, v2, strlen(v2));
	/* an older rendering never replaces a newer one */
	pa_case_cache_put(c, 1, 1, v1, strlen(v1));
	assert_false(pa_case_cache_get(c, 1, 1, &w));
	assert_true(pa_case_cache_get(c, 1, 2, &w));
	/* a case sharing the slot evicts it */
	pa_case_cache_put(c, 9, 1, v1, strlen(v1));
	pa_jw_free(&w);
	pa_jw_init(&w, 0);
	assert_false(pa_case_cache_get(c, 1, 2, &w));
	/* text that is not an object is refused */
	pa_case_cache_put(c, 3, 1, "[1]", 3);
	assert_false(pa_case_cache_get(c, 3, 1, &w));
	pa_jw_free(&w);
	pa_case_cache_free(c);
	/* no cache: every get misses, put is harmless */
	assert_null(pa_case_cache_new(0));
	pa_case_cache_put(NULL, 1, 1, v1, strlen(v1));
	assert_false(pa_case_cache_get(NULL, 1, 1, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_miss_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
