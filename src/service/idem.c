/* idem.c: idempotency keys — the first answer to a key is kept with the change it made,
 * in the same transaction, and a repeat of the key gets that answer and changes nothing. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/seal.h"
#include "service/internal.h"

/* Keyed: a request may carry an ID number or phone, which a plain hash would let anyone
 * holding the database confirm by guessing. */
static void request_hash(const struct pa_seal_key *k, const char *what, json_t *body, char out[65])
{
	char *s = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
	crypto_auth_hmacsha256_state st;
	uint8_t h[32];
	crypto_auth_hmacsha256_init(&st, k->idx, sizeof k->idx);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)what, strlen(what) + 1);
	if (s)
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)s, strlen(s));
	crypto_auth_hmacsha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
	free(s);
}

static bool idem_key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n < 8 || n > 128)
		return false;
	for (const char *p = k; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

enum pa_err idem_prepare(struct idem *im, const struct pa_app *app, const struct pa_actor *a,
			 const char *key, const char *what, json_t *body)
{
	memset(im, 0, sizeof *im);
	im->seal = app->seal;
	if (!key)
		return PA_OK;
	if (!idem_key_valid(key))
		return pa_errf(PA_BAD_REQUEST, "Idempotency-Key",
			       "Idempotency-Key must be 8 to 128 printable ASCII characters");
	im->key = key;
	im->user_id = a->user.id;
	request_hash(im->seal, what, body, im->hash);
	return PA_OK;
}

static const char *idem_ad(struct pa_arena *a, const struct idem *im)
{
	return pa_sprintf(a, "idempotency.body:%lld:%s", (long long)im->user_id, im->key);
}

/* Inside the job: a stored answer for this key ends the job early with it. */
enum pa_err idem_lookup(struct pa_db *db, struct idem *im, struct pa_jw *out)
{
	pa_jw_free(out); /* a job may run twice (see writer.h): its answer starts afresh */
	pa_jw_init(out, out->limit);
	if (!im->key)
		return PA_NOT_FOUND;
	char hash[65];
	int status;
	char *body = NULL;
	enum pa_err rc = db->ops->idem_get(db, im->user_id, im->key, hash, &status, &body);
	if (rc)
		return rc;
	if (strcmp(hash, im->hash) != 0) {
		free(body);
		return pa_errf(PA_CONFLICT, "Idempotency-Key",
			       "this Idempotency-Key was used for a different request");
	}
	/* the answer kept is sealed: it may show names and addresses */
	struct pa_arena a;
	pa_arena_init(&a);
	const char *plain = NULL;
	if (!(rc = pa_unseal(&a, im->seal, idem_ad(&a, im), body, &plain))) {
		pa_jw_raw(out, plain, strlen(plain));
		im->replayed = true;
	}
	pa_arena_free(&a);
	free(body);
	return rc;
}

enum pa_err idem_store(struct pa_db *db, struct idem *im, int status, const struct pa_jw *answer)
{
	if (!im->key)
		return PA_OK;
	if (answer->overflow)
		return pa_errf(PA_INTERNAL, NULL, "the answer is too large to keep");
	struct pa_arena a;
	pa_arena_init(&a);
	enum pa_err rc =
		db->ops->idem_put(db, im->user_id, im->key, im->hash, status,
				  pa_seal(&a, im->seal, idem_ad(&a, im), answer->buf), pa_now());
	pa_arena_free(&a);
	return rc;
}
