/* seal.c: XChaCha20-Poly1305 sealing of personal data, its key file and the blind index. */
#include "core/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64   sodium_base64_VARIANT_URLSAFE_NO_PADDING

void pa_seal_key_derive(const unsigned char master[PA_SEAL_KEY_FILE_BYTES], struct pa_seal_key *k)
{
	/* two subkeys of one file: sealing and indexing never share a key */
	crypto_kdf_derive_from_key(k->enc, sizeof k->enc, 1, "pingan-p", master);
	crypto_kdf_derive_from_key(k->idx, sizeof k->idx, 2, "pingan-p", master);
}

void pa_seal_key_path_of(const char *dburl, char *out, size_t cap)
{
	const char *p = strncmp(dburl, "sqlite:", 7) == 0 ? dburl + 7 : dburl;
	snprintf(out, cap, "%s.pii-key", p);
}

static enum pa_err key_create(const char *path, unsigned char master[32])
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return pa_errf(PA_INTERNAL, NULL, "cannot create the personal-data key file %s: %s",
			       path, strerror(errno));
	randombytes_buf(master, 32);
	bool ok = write(fd, master, 32) == 32 && fsync(fd) == 0;
	int err = errno;
	close(fd);
	if (!ok) {
		unlink(path);
		return pa_errf(PA_INTERNAL, NULL, "cannot write the personal-data key file %s: %s",
			       path, strerror(err));
	}
	return PA_OK;
}

enum pa_err pa_seal_key_load(const char *path, bool create, struct pa_seal_key *k, bool *created)
{
	unsigned char master[32];
	enum pa_err rc = PA_OK;
	if (created)
		*created = false;
	if (sodium_init() < 0)
		return pa_errf(PA_INTERNAL, NULL, "libsodium cannot start");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if ((rc = key_create(path, master)))
			return rc;
		if (created)
			*created = true;
		goto derive;
	}
	if (fd < 0)
		return pa_errf(PA_INTERNAL, NULL, "cannot read the personal-data key file %s: %s",
			       path, strerror(errno));
	struct stat sb;
	ssize_t n = -1;
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 0007))
		rc = pa_errf(PA_INTERNAL, NULL,
			     "the personal-data key file %s may be read by anyone: chmod 600 it",
			     path);
	else if (sb.st_size != 32 || (n = read(fd, master, 32)) != 32)
		rc = pa_errf(PA_INTERNAL, NULL,
			     "the personal-data key file %s is not a pingan key (32 bytes)", path);
	close(fd);
	if (rc)
		return rc;
derive:
	pa_seal_key_derive(master, k);
	sodium_memzero(master, sizeof master);
	return PA_OK;
}

bool pa_sealed(const char *s)
{
	return s && strncmp(s, PA_SEAL_PREFIX, strlen(PA_SEAL_PREFIX)) == 0;
}

const char *pa_seal(struct pa_arena *a, const struct pa_seal_key *k, const char *ad,
		    const char *plain)
{
	if (!plain)
		return NULL;
	size_t n = strlen(plain), bin = NONCE + n + TAG;
	unsigned char *buf = pa_alloc(a, bin);
	randombytes_buf(buf, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE, NULL, (const unsigned char *)plain,
						   n, (const unsigned char *)ad, strlen(ad), NULL,
						   buf, k->enc);
	size_t pre = strlen(PA_SEAL_PREFIX), cap = pre + sodium_base64_ENCODED_LEN(bin, B64);
	char *out = pa_alloc(a, cap);
	memcpy(out, PA_SEAL_PREFIX, pre);
	sodium_bin2base64(out + pre, cap - pre, buf, bin, B64);
	return out;
}

enum pa_err pa_unseal(struct pa_arena *a, const struct pa_seal_key *k, const char *ad,
		      const char *sealed, const char **plain)
{
	*plain = sealed;
	if (!pa_sealed(sealed))
		return PA_OK;
	const char *b64 = sealed + strlen(PA_SEAL_PREFIX);
	size_t len = strlen(b64), bin = 0;
	unsigned char *buf = pa_alloc(a, len + 1);
	if (sodium_base642bin(buf, len + 1, b64, len, NULL, &bin, NULL, B64) != 0 ||
	    bin < NONCE + TAG)
		return pa_errf(PA_INTERNAL, NULL, "a sealed value (%s) is damaged", ad);
	char *out = pa_alloc(a, bin - NONCE - TAG + 1);
	unsigned long long n = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &n, NULL, buf + NONCE,
						       bin - NONCE, (const unsigned char *)ad,
						       strlen(ad), buf, k->enc) != 0)
		return pa_errf(PA_INTERNAL, NULL,
			       "a sealed value (%s) does not open: altered, moved, or sealed "
			       "under another key",
			       ad);
	out[n] = 0;
	*plain = out;
	return PA_OK;
}

void pa_seal_index(const struct pa_seal_key *k, const char *kind, const char *value, char out[65])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, k->idx, sizeof k->idx);
	/* the kind and a separator first: an ID number never matches a phone's entry */
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)value, strlen(value));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
}
