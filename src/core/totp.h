/* totp.h: one-time codes as authenticator apps make them — RFC 6238 TOTP over RFC 4226
 * HOTP: HMAC-SHA-1 (OpenSSL), 6 digits, 30-second steps from the Unix epoch — and the
 * base32 (RFC 4648) their keys are shown in. Pure, thread-safe. */
#ifndef PA_TOTP_H
#define PA_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define PA_TOTP_PERIOD 30
#define PA_TOTP_DIGITS 6
#define PA_TOTP_KEY    20 /* bytes: 160 bits, as RFC 4226 recommends for HMAC-SHA-1 */

/* The time step a moment falls in. */
int64_t pa_totp_step(int64_t unix_time);
/* The code of key for a time step (0 … 999999). */
unsigned pa_totp_code(const uint8_t *key, size_t keylen, int64_t step);
/* The time step, of now's and the one either side (a clock a little off, a code typed as
 * it turned), whose code code is; -1 if none, or if code is not six digits. */
int64_t pa_totp_match(const uint8_t *key, size_t keylen, const char *code, int64_t now);
/* RFC 4648 base32, upper case, without padding; out needs (len * 8 + 4) / 5 + 1 bytes. */
void pa_base32(const uint8_t *in, size_t len, char *out);

#endif
