/* test_login.c: unit tests of what log-in rests on — the password policy and its list, the
 * one-time codes of RFC 6238 and base32, the rate limits per address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/passwd.h"
#include "core/totp.h"
#include "http/ratelimit.h"

static struct pa_pwlist *shipped(void)
{
	struct pa_pwlist *l = NULL;
	assert_int_equal(pa_pwlist_load("data/common-passwords.txt", &l), PA_OK);
	assert_true(pa_pwlist_count(l) > 500);
	return l;
}

/* Each refused for the reason its words name. */
static void test_password_refusals(void **st)
{
	(void)st;
	struct pa_pwlist *l = shipped();
	static const struct {
		const char *pw, *user, *why;
	} bad[] = {
		{"Short-1x", NULL, "at least 12"},
		{"Pingan@2026", NULL, "at least 12"}, /* the demo's: 11 characters */
		{"Pingan@20266", NULL, "most common"},
		{"Password2026!", NULL, "most common"},
		{"P@ssw0rd12345", NULL, "most common"},
		{"p4ssw0rd!!!!!!", NULL, "most common"},
		{"woaini1314!!", NULL, "most common"},
		{"WOAINI5201314", NULL, "most common"},
		{"123456qwe!!!", NULL, "most common"},
		{"!!zongzhi2026", NULL, "most common"},
		{"1qaz2wsx3edc", NULL, "most common"},
		{"qwertyuiop12", NULL, "most common"},
		{"138001380001", NULL, "digits alone"},
		{"429006199001011234", NULL, "digits alone"},
		{"Zhou-town_101-x", "town_101", "username"},
		{"xTOWN_101yz987", "town_101", "username"},
		{"Kq7#Kq7#Kq7#", NULL, "repeated"},
		{"hanjianghanjiang", NULL, "repeated"},
		{"mnopqrst6789", NULL, "consecutive"},
		{"zyxwvu987654", NULL, "consecutive"},
		{"aaaabbbbccc1", NULL, "consecutive"},
		{"asdfgzxcvb!Q", NULL, "consecutive"},
		{"0987poiu;lkj", NULL, "consecutive"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		pa_err_clear();
		enum pa_err rc = pa_password_check(bad[i].pw, bad[i].user, l, "password");
		if (rc != PA_BAD_FIELD)
			fail_msg("%s was accepted", bad[i].pw);
		assert_string_equal(pa_err_last()->field, "password");
		if (!strstr(pa_err_last()->message, bad[i].why))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].pw, pa_err_last()->message,
				 bad[i].why);
		/* the message never repeats the password */
		assert_null(strstr(pa_err_last()->message, bad[i].pw));
	}
	pa_pwlist_free(l);
}

static void test_password_accepted(void **st)
{
	(void)st;
	struct pa_pwlist *l = shipped();
	static const char *const good[] = {
		"Hanjiang-dusk-4817",
		"correct horse battery staple",
		"Tr0ub4dor&3x-river",
		"天门渔薪镇的早市真是热闹",
		"x9#mK2$pL7!q",
		"town_10 is not me", /* near the username is not the username */
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (pa_password_check(good[i], "town_101", l, "password"))
			fail_msg("%s refused: %s", good[i], pa_err_last()->message);
	/* the field named is the caller's */
	assert_int_equal(pa_password_check("short", NULL, l, "new"), PA_BAD_FIELD);
	assert_string_equal(pa_err_last()->field, "new");
	/* 128 characters at most; counted as characters, not bytes */
	char longpw[200];
	memset(longpw, 0, sizeof longpw);
	for (int i = 0; i < 129; i++)
		longpw[i] = "Kq7#mZ2!"[i % 7];
	assert_int_equal(pa_password_check(longpw, NULL, l, "password"), PA_BAD_FIELD);
	assert_non_null(strstr(pa_err_last()->message, "at most 128"));
	assert_int_equal(pa_password_check("天门渔薪镇的早市很热", NULL, l, "password"),
			 PA_BAD_FIELD);
	pa_pwlist_free(l);
}

static void test_pwlist_parse(void **st)
{
	(void)st;
	const char text[] = "# comment\n\n  Secret-Word  \r\nzeta\nALPHA\n";
	struct pa_pwlist *l = NULL;
	assert_int_equal(pa_pwlist_parse("t", text, sizeof text - 1, &l), PA_OK);
	assert_int_equal(pa_pwlist_count(l), 3);
	/* listed words are matched without regard to case, also dressed up */
	assert_int_equal(pa_password_check("SECRET-WORD2026", NULL, l, "p"), PA_BAD_FIELD);
	assert_int_equal(pa_password_check("Secret-Word-Ok", NULL, l, "p"), PA_OK);
	pa_pwlist_free(l);
	/* without a list the other rules still hold */
	assert_int_equal(pa_password_check("Secret-Word2026", NULL, NULL, "p"), PA_OK);
	assert_int_equal(pa_password_check("111111111111", NULL, NULL, "p"), PA_BAD_FIELD);
	struct pa_pwlist *none = NULL;
	assert_int_equal(pa_pwlist_load("/nonexistent/list.txt", &none), PA_DATA_FILE);
	assert_null(none);
}

/* RFC 6238 appendix B (SHA-1; the codes cut to six digits) and RFC 4648 section 10. */
static void test_totp_vectors(void **st)
{
	(void)st;
	const uint8_t *key = (const uint8_t *)"12345678901234567890";
	static const struct {
		int64_t t;
		unsigned code;
	} v[] = {{59, 287082},       {1111111109, 81804},  {1111111111, 50471},
		 {1234567890, 5924}, {2000000000, 279037}, {20000000000LL, 353130}};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		assert_int_equal(pa_totp_code(key, 20, pa_totp_step(v[i].t)), v[i].code);
	/* a code matches in its step and the one either side, not two away */
	assert_int_equal(pa_totp_match(key, 20, "005924", 1234567890), 1234567890 / 30);
	assert_int_equal(pa_totp_match(key, 20, "005924", 1234567890 + 30), 1234567890 / 30);
	assert_int_equal(pa_totp_match(key, 20, "005924", 1234567890 - 30), 1234567890 / 30);
	assert_int_equal(pa_totp_match(key, 20, "005924", 1234567890 + 60), -1);
	assert_int_equal(pa_totp_match(key, 20, "5924", 1234567890), -1);
	assert_int_equal(pa_totp_match(key, 20, "0059245", 1234567890), -1);
	assert_int_equal(pa_totp_match(key, 20, "00592a", 1234567890), -1);
	char b[64];
	static const char *const b32[][2] = {{"", ""},
					     {"f", "MY"},
					     {"fo", "MZXQ"},
					     {"foo", "MZXW6"},
					     {"foob", "MZXW6YQ"},
					     {"fooba", "MZXW6YTB"},
					     {"foobar", "MZXW6YTBOI"}};
	for (size_t i = 0; i < sizeof b32 / sizeof *b32; i++) {
		pa_base32((const uint8_t *)b32[i][0], strlen(b32[i][0]), b);
		assert_string_equal(b, b32[i][1]);
	}
}

static void test_ratelimit(void **st)
{
	(void)st;
	struct pa_addr_key a, b, c;
	assert_true(pa_addr_key_of("192.0.2.7", &a));
	assert_true(pa_addr_key_of("::ffff:192.0.2.7", &b)); /* IPv4 on a dual-stack socket */
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(pa_addr_key_of("2001:db8:1:2::5", &b));
	assert_true(pa_addr_key_of("2001:db8:1:2:ffff::1", &c)); /* the same /64 */
	assert_memory_equal(&b, &c, sizeof b);
	assert_true(pa_addr_key_of("2001:db8:1:3::5", &c));
	assert_memory_not_equal(&b, &c, sizeof b);
	assert_false(pa_addr_key_of("192.0.2.7, 10.0.0.1", &c));
	assert_false(pa_addr_key_of("", &c));
	int wait = 0;
	assert_true(pa_ratelimit_take(NULL, &a, 1, &wait)); /* no limit */
	struct pa_ratelimit *rl = pa_ratelimit_new(60);
	for (int i = 0; i < 60; i++)
		assert_true(pa_ratelimit_take(rl, &a, 1000, &wait));
	assert_false(pa_ratelimit_take(rl, &a, 1000, &wait));
	assert_int_equal(wait, 1);
	assert_true(pa_ratelimit_take(rl, &b, 1000, &wait)); /* another address */
	assert_true(pa_ratelimit_take(rl, &a, 1001, &wait)); /* one a second comes back */
	assert_false(pa_ratelimit_take(rl, &a, 1001, &wait));
	assert_true(pa_ratelimit_take(rl, &a, 1002, &wait));
	/* a flood of other addresses pushes it out: it comes back with a full bucket, never
	 * with less */
	for (unsigned i = 0; i < 100000; i++) {
		struct pa_addr_key k = {{4, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, 9}};
		pa_ratelimit_take(rl, &k, 1002, &wait);
	}
	assert_true(pa_ratelimit_take(rl, &a, 1002, &wait));
	pa_ratelimit_free(rl);
	assert_null(pa_ratelimit_new(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_refusals), cmocka_unit_test(test_password_accepted),
		cmocka_unit_test(test_pwlist_parse),      cmocka_unit_test(test_totp_vectors),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
