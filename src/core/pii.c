/* pii.c: GB 11643 check digits, phone shapes and masking. */
#include "core/pii.h"

#include <stdio.h>
#include <string.h>

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool pa_idno_valid(const char *s)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	if (!s || strlen(s) != 18 || !digits(s, 17))
		return false;
	int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	int m = (s[10] - '0') * 10 + (s[11] - '0'), d = (s[12] - '0') * 10 + (s[13] - '0');
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1880 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return false;
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * w[i];
	char c = s[17] == 'x' ? 'X' : s[17];
	return c == check[sum % 11];
}

bool pa_phone_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && digits(s, 11))
		return true;
	if (s[0] != '0' || n < 10 || n > 13)
		return false;
	const char *dash = strchr(s, '-');
	if (dash) {
		size_t a = (size_t)(dash - s), rest = n - a - 1;
		return (a == 3 || a == 4) && digits(s, a) && (rest == 7 || rest == 8) &&
		       digits(dash + 1, rest);
	}
	return (n == 10 || n == 11 || n == 12) && digits(s, n);
}

static void mask(const char *s, size_t keep_head, size_t keep_tail, char *out, size_t cap)
{
	size_t n = s ? strlen(s) : 0;
	if (!cap)
		return;
	if (n <= keep_head + keep_tail) {
		/* Too short to show anything safely. */
		size_t k = n < cap - 1 ? n : cap - 1;
		memset(out, '*', k);
		out[k] = 0;
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = (i < keep_head || i >= n - keep_tail) ? s[i] : '*';
	out[o] = 0;
}

void pa_mask_idno(const char *s, char *out, size_t cap)
{
	mask(s, 6, 4, out, cap);
}

void pa_mask_phone(const char *s, char *out, size_t cap)
{
	mask(s, 3, 4, out, cap);
}
