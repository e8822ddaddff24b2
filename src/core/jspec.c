/* jspec.c: validation of JSON objects against field spec tables. */
#include "core/jspec.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

static const char *type_names[] = {PA_W("a string"),      PA_W("an integer"), PA_W("a number"),
				   PA_W("true or false"), PA_W("an array"),   PA_W("an object")};

static bool type_ok(json_t *v, enum pa_jt t)
{
	switch (t) {
	case PA_JT_STRING:
		return json_is_string(v);
	case PA_JT_INTEGER:
		return json_is_integer(v);
	case PA_JT_NUMBER:
		return json_is_number(v) && isfinite(json_number_value(v));
	case PA_JT_BOOL:
		return json_is_boolean(v);
	case PA_JT_ARRAY:
		return json_is_array(v);
	case PA_JT_OBJECT:
		return json_is_object(v);
	}
	return false;
}

enum pa_err pa_json_body(const char *buf, size_t len, json_t **out)
{
	json_error_t jerr;
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return pa_errf(PA_BAD_JSON, NULL,
			       "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
			       jerr.line, jerr.column);
	if (!json_is_object(*out))
		return pa_errf(PA_BAD_JSON, NULL, "the body must be a JSON object");
	return PA_OK;
}

enum pa_err pa_jspec_check(json_t *obj, const struct pa_jspec *spec, const char *prefix)
{
	char field[96];
#define FIELD(n) \
	(snprintf(field, sizeof field, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", n), field)
	if (!json_is_object(obj))
		return pa_errf(PA_BAD_FIELD, prefix, "%s must be a JSON object",
			       prefix ? prefix : PA_W("the body"));
	const char *key;
	json_t *v;
	json_object_foreach (obj, key, v) {
		const struct pa_jspec *s = spec;
		while (s->name && strcmp(s->name, key) != 0)
			s++;
		if (!s->name)
			return pa_errf(PA_UNKNOWN_FIELD, FIELD(key), "unknown field \"%s\"", field);
	}
	for (const struct pa_jspec *s = spec; s->name; s++) {
		v = json_object_get(obj, s->name);
		if (!v || json_is_null(v)) {
			if (s->required)
				return pa_errf(PA_MISSING_FIELD, FIELD(s->name),
					       "\"%s\" is required", field);
			continue;
		}
		if (!type_ok(v, s->type))
			return pa_errf(PA_BAD_FIELD, FIELD(s->name), "\"%s\" must be %s", field,
				       type_names[s->type]);
		if (s->type == PA_JT_STRING) {
			const char *str = json_string_value(v);
			if (strlen(str) != json_string_length(v))
				return pa_errf(PA_BAD_FIELD, FIELD(s->name),
					       "\"%s\" must not contain NUL characters", field);
			for (const char *p = str; *p; p++)
				if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
					return pa_errf(PA_BAD_FIELD, FIELD(s->name),
						       "\"%s\" contains a control character",
						       field);
			if (s->required && !*str)
				return pa_errf(PA_MISSING_FIELD, FIELD(s->name),
					       "\"%s\" must not be empty", field);
			if (s->max && pa_utf8_len(str) > (size_t)s->max)
				return pa_errf(PA_BAD_FIELD, FIELD(s->name),
					       "\"%s\" is longer than %d characters", field,
					       s->max);
		}
		if (s->type == PA_JT_ARRAY && s->max && json_array_size(v) > (size_t)s->max)
			return pa_errf(PA_BAD_FIELD, FIELD(s->name),
				       "\"%s\" has more than %d items", field, s->max);
	}
#undef FIELD
	return PA_OK;
}

const char *pa_json_str(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}
