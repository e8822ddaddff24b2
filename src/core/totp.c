/* totp.c: RFC 6238 one-time codes and RFC 4648 base32 (see totp.h). */
#include "core/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>

int64_t pa_totp_step(int64_t unix_time)
{
	return unix_time >= 0 ? unix_time / PA_TOTP_PERIOD : -1;
}

unsigned pa_totp_code(const uint8_t *key, size_t keylen, int64_t step)
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	for (int i = 7; i >= 0; i--, step >>= 8)
		msg[i] = (uint8_t)(step & 0xff);
	if (!HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof msg, mac, &maclen) || maclen < 20)
		return 1000000; /* matches no code */
	/* RFC 4226 5.3: dynamic truncation */
	unsigned off = mac[maclen - 1] & 0x0f;
	uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
		       (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	return bin % 1000000u;
}

int64_t pa_totp_match(const uint8_t *key, size_t keylen, const char *code, int64_t now)
{
	unsigned want = 0;
	for (int i = 0; i < PA_TOTP_DIGITS; i++) {
		if (code[i] < '0' || code[i] > '9')
			return -1;
		want = want * 10 + (unsigned)(code[i] - '0');
	}
	if (code[PA_TOTP_DIGITS])
		return -1;
	int64_t step = pa_totp_step(now);
	/* all three are computed, so the time taken does not say which matched */
	int64_t found = -1;
	for (int64_t s = step - 1; s <= step + 1; s++) {
		bool hit = pa_totp_code(key, keylen, s) == want;
		if (hit && found < 0)
			found = s;
	}
	return found;
}

void pa_base32(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned buf = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		buf = buf << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			*out++ = alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		*out++ = alphabet[(buf << (5 - bits)) & 31];
	*out = 0;
}
