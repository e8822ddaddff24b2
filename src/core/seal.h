/* seal.h: personal data sealed for the store — XChaCha20-Poly1305 (IETF) with a random
 * nonce per value and associated data naming the value's place — and the keyed blind
 * index that still finds a person's cases. Keys come from a key file outside the
 * database. Thread-safe once loaded (the key is read only). */
#ifndef PA_SEAL_H
#define PA_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Sealed values are text: this prefix (the format version), then base64url (no padding)
 * of nonce || ciphertext || tag. A value without it is plaintext from before sealing. */
#define PA_SEAL_PREFIX         "pa1:"
#define PA_SEAL_KEY_FILE_BYTES 32

struct pa_seal_key {
	unsigned char enc[32]; /* AEAD key */
	unsigned char idx[32]; /* blind-index HMAC key: derived apart, so one never is the other */
};

/* Both keys derived from the 32 bytes of a key file. */
void pa_seal_key_derive(const unsigned char master[PA_SEAL_KEY_FILE_BYTES], struct pa_seal_key *k);
/* Read the key file at path. With create and no file there, make one (0600, random bytes,
 * synced) and say so in *created. A file that is not exactly 32 bytes, or readable by
 * others than its owner's group, is refused with a message naming it. */
enum pa_err pa_seal_key_load(const char *path, bool create, struct pa_seal_key *k, bool *created);
/* The key file a database uses unless told otherwise: PATH.pii-key beside it. */
void pa_seal_key_path_of(const char *dburl, char *out, size_t cap);

bool pa_sealed(const char *s);
/* plain sealed under ad (NULL plain → NULL); the result lives in a. */
const char *pa_seal(struct pa_arena *a, const struct pa_seal_key *k, const char *ad,
		    const char *plain);
/* The plaintext of a sealed value, checked against ad; a value not sealed (from before
 * sealing) is returned as it is. PA_INTERNAL if it was altered, moved or sealed under
 * another key. */
enum pa_err pa_unseal(struct pa_arena *a, const struct pa_seal_key *k, const char *ad,
		      const char *sealed, const char **plain);
/* The blind index of a normalised value of a kind ("idno", "phone"): hex HMAC-SHA-256,
 * 64 characters and a NUL. */
void pa_seal_index(const struct pa_seal_key *k, const char *kind, const char *value, char out[65]);

#endif
