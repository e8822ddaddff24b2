/* test_seal.c: sealing personal data — a value opens only under its key and its place,
 * any altered byte is refused, and the blind index is stable, keyed and kind-separated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/seal.h"

static struct pa_seal_key key_of(unsigned char fill)
{
	unsigned char m[32];
	memset(m, fill, sizeof m);
	struct pa_seal_key k;
	pa_seal_key_derive(m, &k);
	return k;
}

static void test_seal_roundtrip(void **st)
{
	(void)st;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_seal_key k = key_of(1);
	const char *plain = "42900619900307123X";
	const char *s = pa_seal(&a, &k, "case_parties.id_number:x:0", plain);
	assert_true(pa_sealed(s));
	assert_null(strstr(s, plain));
	const char *t = pa_seal(&a, &k, "case_parties.id_number:x:0", plain);
	assert_string_not_equal(s, t); /* a fresh nonce each time */
	const char *out = NULL;
	assert_int_equal(pa_unseal(&a, &k, "case_parties.id_number:x:0", s, &out), PA_OK);
	assert_string_equal(out, plain);
	/* empty strings and values from before sealing */
	assert_int_equal(pa_unseal(&a, &k, "ad", pa_seal(&a, &k, "ad", ""), &out), PA_OK);
	assert_string_equal(out, "");
	assert_int_equal(pa_unseal(&a, &k, "ad", "13800138000", &out), PA_OK);
	assert_string_equal(out, "13800138000");
	assert_null(pa_seal(&a, &k, "ad", NULL));
	pa_arena_free(&a);
}

static void test_seal_refuses(void **st)
{
	(void)st;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_seal_key k = key_of(1), other = key_of(2);
	const char *s = pa_seal(&a, &k, "case_parties.phone:x:0", "13812345678");
	const char *out = NULL;
	/* another place: another column, another row */
	assert_int_equal(pa_unseal(&a, &k, "case_parties.id_number:x:0", s, &out), PA_INTERNAL);
	assert_int_equal(pa_unseal(&a, &k, "case_parties.phone:y:0", s, &out), PA_INTERNAL);
	/* another key */
	assert_int_equal(pa_unseal(&a, &other, "case_parties.phone:x:0", s, &out), PA_INTERNAL);
	/* every character of the ciphertext altered in turn */
	size_t pre = strlen(PA_SEAL_PREFIX), n = strlen(s);
	for (size_t i = pre; i < n; i++) {
		char *t = pa_strdup(&a, s);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		assert_int_equal(pa_unseal(&a, &k, "case_parties.phone:x:0", t, &out), PA_INTERNAL);
	}
	/* cut short */
	char *cut = pa_strndup(&a, s, n - 4);
	assert_int_equal(pa_unseal(&a, &k, "case_parties.phone:x:0", cut, &out), PA_INTERNAL);
	assert_int_equal(pa_unseal(&a, &k, "ad", PA_SEAL_PREFIX "AAAA", &out), PA_INTERNAL);
	pa_arena_free(&a);
}

static void test_seal_index(void **st)
{
	(void)st;
	struct pa_seal_key k = key_of(1), other = key_of(2);
	char a[65], b[65], c[65], d[65];
	pa_seal_index(&k, "phone", "13812345678", a);
	pa_seal_index(&k, "phone", "13812345678", b);
	assert_string_equal(a, b);
	pa_seal_index(&other, "phone", "13812345678", c);
	assert_string_not_equal(a, c);
	pa_seal_index(&k, "idno", "13812345678", d);
	assert_string_not_equal(a, d);
	assert_int_equal(strlen(a), 64);
}

static void test_seal_key_file(void **st)
{
	(void)st;
	char dir[] = "/tmp/pa_seal_XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/db.pii-key", dir);
	struct pa_seal_key k1, k2;
	bool created = false;
	assert_int_equal(pa_seal_key_load(path, false, &k1, &created), PA_INTERNAL);
	assert_int_equal(pa_seal_key_load(path, true, &k1, &created), PA_OK);
	assert_true(created);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);
	assert_int_equal(pa_seal_key_load(path, true, &k2, &created), PA_OK);
	assert_false(created);
	assert_memory_equal(k1.enc, k2.enc, 32);
	assert_memory_not_equal(k1.enc, k1.idx, 32);
	chmod(path, 0644);
	assert_int_equal(pa_seal_key_load(path, false, &k2, NULL), PA_INTERNAL);
	FILE *f = fopen(path, "w");
	fputs("short", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(pa_seal_key_load(path, false, &k2, NULL), PA_INTERNAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_roundtrip),
		cmocka_unit_test(test_seal_refuses),
		cmocka_unit_test(test_seal_index),
		cmocka_unit_test(test_seal_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
