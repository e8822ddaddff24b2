/* audit.c: the keyed hashes of the audit chain — HMAC-SM3 through OpenSSL 3 where it has
 * SM3 (the commercial-cryptography choice), HMAC-SHA-256 through libsodium otherwise — and
 * the canonical bytes of a row they are taken over. */
#include "store/audit.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac; /* OpenSSL's HMAC; NULL when it has none */
static bool have_sm3;
static pthread_key_t sm3_tls;

/* Setting up an HMAC-SM3 context (looking the digest up, hashing the key) costs more than
 * the MAC of a row: each thread keeps one, set up with its last key, and restarts it. */
struct sm3_cache {
	EVP_MAC_CTX *ctx;
	uint8_t key[PA_AUDIT_KEY_BYTES];
};

static void sm3_cache_free(void *p)
{
	struct sm3_cache *c = p;
	EVP_MAC_CTX_free(c->ctx);
	sodium_memzero(c, sizeof *c);
	free(c);
}

static void setup(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MD *md = EVP_MD_fetch(NULL, "SM3", NULL);
	have_sm3 = hmac && md && pthread_key_create(&sm3_tls, sm3_cache_free) == 0;
	EVP_MD_free(md);
}

/* This thread's context for key, started afresh; NULL on failure. */
static EVP_MAC_CTX *sm3_ctx(const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	struct sm3_cache *c = pthread_getspecific(sm3_tls);
	if (c && c->ctx && sodium_memcmp(c->key, key, PA_AUDIT_KEY_BYTES) == 0)
		return EVP_MAC_init(c->ctx, NULL, 0, NULL) == 1 ? c->ctx : NULL;
	if (!c) {
		if (!(c = calloc(1, sizeof *c)) || pthread_setspecific(sm3_tls, c) != 0) {
			free(c);
			return NULL;
		}
	}
	EVP_MAC_CTX_free(c->ctx);
	char digest[] = "SM3";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	c->ctx = EVP_MAC_CTX_new(hmac);
	if (!c->ctx || EVP_MAC_init(c->ctx, key, PA_AUDIT_KEY_BYTES, params) != 1) {
		EVP_MAC_CTX_free(c->ctx);
		c->ctx = NULL;
		return NULL;
	}
	memcpy(c->key, key, PA_AUDIT_KEY_BYTES);
	return c->ctx;
}

const char *pa_audit_alg_name(enum pa_audit_alg a)
{
	return a == PA_AUDIT_HMAC_SM3      ? "hmac-sm3"
	       : a == PA_AUDIT_HMAC_SHA256 ? "hmac-sha256"
					   : NULL;
}

enum pa_audit_alg pa_audit_alg_from(const char *name)
{
	if (name && strcmp(name, "hmac-sm3") == 0)
		return PA_AUDIT_HMAC_SM3;
	if (name && strcmp(name, "hmac-sha256") == 0)
		return PA_AUDIT_HMAC_SHA256;
	return PA_AUDIT_ALG_NONE;
}

bool pa_audit_alg_available(enum pa_audit_alg a)
{
	pthread_once(&once, setup);
	return a == PA_AUDIT_HMAC_SHA256 || (a == PA_AUDIT_HMAC_SM3 && have_sm3);
}

enum pa_audit_alg pa_audit_alg_default(void)
{
	enum pa_audit_alg want = pa_audit_alg_from(getenv("PINGAN_AUDIT_ALG"));
	if (want && pa_audit_alg_available(want))
		return want;
	return pa_audit_alg_available(PA_AUDIT_HMAC_SM3) ? PA_AUDIT_HMAC_SM3 : PA_AUDIT_HMAC_SHA256;
}

/* One HMAC being taken, by either library. */
struct hm {
	enum pa_audit_alg alg;
	EVP_MAC_CTX *ctx; /* the thread's (sm3_ctx) */
	crypto_auth_hmacsha256_state st;
	bool failed;
};

static bool hm_init(struct hm *h, enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	memset(h, 0, sizeof *h);
	h->alg = a;
	if (!pa_audit_alg_available(a))
		return false;
	if (a == PA_AUDIT_HMAC_SHA256)
		return crypto_auth_hmacsha256_init(&h->st, key, PA_AUDIT_KEY_BYTES) == 0;
	return (h->ctx = sm3_ctx(key)) != NULL;
}

static void hm_update(struct hm *h, const void *p, size_t n)
{
	if (h->alg == PA_AUDIT_HMAC_SHA256)
		crypto_auth_hmacsha256_update(&h->st, p, n);
	else if (h->ctx && EVP_MAC_update(h->ctx, p, n) != 1)
		h->failed = true;
}

static void hm_u64(struct hm *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	hm_update(h, b, sizeof b);
}

/* A string as its length (8 bytes, big-endian) and its bytes: no two rows share a form. */
static void hm_str(struct hm *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	hm_u64(h, n);
	hm_update(h, s, n);
}

static enum pa_err hm_final(struct hm *h, uint8_t out[PA_AUDIT_MAC_BYTES])
{
	if (h->alg == PA_AUDIT_HMAC_SHA256) {
		crypto_auth_hmacsha256_final(&h->st, out);
		sodium_memzero(&h->st, sizeof h->st);
		return PA_OK;
	}
	size_t n = 0;
	bool ok = h->ctx && !h->failed && EVP_MAC_final(h->ctx, out, &n, PA_AUDIT_MAC_BYTES) == 1 &&
		  n == PA_AUDIT_MAC_BYTES;
	return ok ? PA_OK : pa_errf(PA_INTERNAL, NULL, "OpenSSL failed to take an HMAC-SM3");
}

static enum pa_err unavailable(enum pa_audit_alg a)
{
	if (a == PA_AUDIT_HMAC_SM3)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log is chained with HMAC-SM3, which this OpenSSL lacks");
	return pa_errf(PA_INTERNAL, NULL, "the audit log's algorithm is unknown to this pingan");
}

enum pa_err pa_audit_mac(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES],
			 const uint8_t prev[PA_AUDIT_MAC_BYTES], const struct pa_audit_row *r,
			 uint8_t out[PA_AUDIT_MAC_BYTES])
{
	struct hm h;
	if (!hm_init(&h, a, key))
		return unavailable(a);
	hm_str(&h, "pingan-audit-row-v1");
	hm_update(&h, prev, PA_AUDIT_MAC_BYTES);
	hm_u64(&h, (uint64_t)r->idx);
	hm_u64(&h, (uint64_t)r->at);
	hm_u64(&h, (uint64_t)r->actor_id);
	hm_str(&h, r->action);
	hm_str(&h, r->subject);
	hm_str(&h, r->detail);
	return hm_final(&h, out);
}

enum pa_err pa_audit_mark_tag(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES],
			      const char *kind, int64_t idx, const uint8_t mac[PA_AUDIT_MAC_BYTES],
			      uint8_t out[PA_AUDIT_MAC_BYTES])
{
	struct hm h;
	if (!hm_init(&h, a, key))
		return unavailable(a);
	hm_str(&h, "pingan-audit-mark-v1");
	hm_str(&h, kind);
	hm_u64(&h, (uint64_t)idx);
	hm_update(&h, mac, PA_AUDIT_MAC_BYTES);
	return hm_final(&h, out);
}

void pa_audit_key_id(const uint8_t key[PA_AUDIT_KEY_BYTES], char out[17])
{
	static const char label[] = "pingan-audit-key-id";
	uint8_t h[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, PA_AUDIT_KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, sizeof label - 1);
	crypto_auth_hmacsha256_final(&st, h);
	sodium_bin2hex(out, 17, h, 8);
}

char *pa_audit_start_detail(enum pa_audit_alg a, const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	char id[17];
	pa_audit_key_id(key, id);
	json_t *d = json_pack("{s:s, s:s}", "alg", pa_audit_alg_name(a), "key_id", id);
	char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	return s;
}

enum pa_err pa_audit(struct pa_db *db, int64_t actor_id, const char *action, const char *subject,
		     const char *detail_json, int64_t at)
{
	if (!action || !*action || !subject || !*subject)
		return pa_errf(PA_INTERNAL, NULL, "an audit row needs an action and a subject");
	if (detail_json) {
		json_t *d = json_loads(detail_json, JSON_REJECT_DUPLICATES, NULL);
		bool obj = json_is_object(d);
		json_decref(d);
		if (!obj)
			return pa_errf(PA_INTERNAL, NULL,
				       "the detail of audit row %s is not a JSON object", action);
	}
	struct pa_audit_in e = {.actor_id = actor_id,
				.at = at,
				.action = action,
				.subject = subject,
				.detail = detail_json};
	return db->ops->audit_add(db, &e);
}
