/* jspec.h: declarative checks of JSON request bodies. A spec table names each field, its
 * type, whether it is required and its size cap; a bad field yields a 400 naming it. */
#ifndef PA_JSPEC_H
#define PA_JSPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"

enum pa_jt { PA_JT_STRING, PA_JT_INTEGER, PA_JT_NUMBER, PA_JT_BOOL, PA_JT_ARRAY, PA_JT_OBJECT };

struct pa_jspec {
	const char *name;
	enum pa_jt type;
	bool required;
	int max; /* strings: characters; arrays: items; 0 = no cap */
};

/* Parse a request body: JSON (no key twice) holding an object. BAD_JSON saying where
 * otherwise. On success *out is the object, for the caller to json_decref; else a value
 * that is not an object, also the caller's, or NULL. */
enum pa_err pa_json_body(const char *buf, size_t len, json_t **out);

/* Check obj against spec (terminated by {NULL}): an object, no unknown fields, required
 * ones present and non-empty, types and caps kept. prefix (may be NULL) is prepended to
 * field names in errors, e.g. "parties[1]". Strings must hold no control characters but
 * tab and newline. */
enum pa_err pa_jspec_check(json_t *obj, const struct pa_jspec *spec, const char *prefix);

/* Convenience readers for checked objects: NULL / 0 when absent. */
const char *pa_json_str(json_t *obj, const char *name);

#endif
