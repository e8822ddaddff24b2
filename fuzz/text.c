/* text.c: fuzz target — text from outside through the text helpers every request uses: the
 * UTF-8 checks and cut, the search fold (traditional to simplified through OpenCC, lower
 * case, one space) for stored text and for queries, the ID-number and phone checks and
 * masks, and the escaping of client text for log lines. The input is the text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/pii.h"
#include "core/text.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!pa_text_init())
		fz_fail("OpenCC's t2s is not available");
	return 0;
}

/* What the fold promises: valid UTF-8 stays valid, no ASCII capital, no space at either end,
 * never two spaces, nothing but a space for white space. */
static void check_fold(const char *what, const char *in, const char *out)
{
	if (!pa_utf8_valid(in))
		return;
	if (!pa_utf8_valid(out))
		fz_fail("%s of valid UTF-8 is not valid UTF-8", what);
	size_t n = strlen(out);
	if (n && (out[0] == ' ' || out[n - 1] == ' '))
		fz_fail("%s keeps a space at an end", what);
	for (size_t i = 0; i < n; i++) {
		if (out[i] >= 'A' && out[i] <= 'Z')
			fz_fail("%s keeps a capital", what);
		if (out[i] == '\t' || out[i] == '\n' || out[i] == '\r' ||
		    (out[i] == ' ' && out[i + 1] == ' '))
			fz_fail("%s keeps white space other than one space", what);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_text(data, size);
	size_t n = strlen(s);
	bool valid = pa_utf8_valid(s);
	if (pa_utf8_len(s) > n)
		fz_fail("more characters than bytes");
	for (size_t max = 0; max <= n + 1 && max < 64; max++) {
		size_t cut = pa_utf8_cut(s, max);
		if (cut > max && cut != n)
			fz_fail("cut to %zu bytes gave %zu", max, cut);
		if (valid) {
			char c = s[cut];
			s[cut] = 0;
			bool ok = pa_utf8_valid(s);
			s[cut] = c;
			if (!ok)
				fz_fail("cut to %zu bytes split a character", max);
		}
	}
	struct pa_arena a;
	pa_arena_init(&a);
	check_fold("the fold", s, pa_text_fold(&a, s));
	check_fold("the query fold", s, pa_text_fold_query(&a, s));
	pa_arena_free(&a);

	(void)pa_idno_valid(s);
	(void)pa_phone_valid(s);
	char masked[64];
	pa_mask_idno(s, masked, sizeof masked);
	if (strlen(masked) >= sizeof masked)
		fz_fail("the ID mask overran");
	pa_mask_phone(s, masked, sizeof masked);
	if (strlen(masked) >= sizeof masked)
		fz_fail("the phone mask overran");

	/* a path or a method in a log line: the inside of one JSON string, whatever came */
	char esc[1300];
	pa_log_escape(esc, sizeof esc, s, 200);
	fz_json_ok("the escaped text", esc, strlen(esc), true);
	pa_log_escape(esc, 20, s, n);
	fz_json_ok("the escaped text (short room)", esc, strlen(esc), true);
	free(s);
	return 0;
}
