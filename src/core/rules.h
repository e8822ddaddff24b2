/* rules.h: the cross-field rules of a record (a case type's [record ACTION] section) — a
 * small vocabulary declared in the data, parsed and checked at load, applied to every record
 * an action keeps. Parsed rules belong to the catalog's arena and may be read from any thread.
 *
 *   rule = LEFT OP RIGHT [when FIELD = VALUE] [; CITATION]
 *   pass = LEFT OP RIGHT [when FIELD = VALUE] [; CITATION]
 *   fail_to = STATE | =
 *
 * A side is a field or a sum of fields (votes_for + votes_against + abstentions), optionally
 * scaled by a fraction before it (2/3 members), or a whole number. OP is one of < <= > >= =.
 * Number sides take int and money fields (a field left empty counts 0; a side all of empty
 * fields skips the rule); date sides are one date field each (empty: the rule is skipped).
 * `when` limits a rule to records where a field has that value (a choice field: one of its
 * choices). A broken rule is a record that may not be kept (400 naming the left side's first
 * field). A `pass` rule decides the outcome instead: the record is kept either way, and a
 * record that does not pass moves the case to `fail_to` (a state of the lifecycle, or "="
 * for where it is) instead of where the transition leads — a vote that fails does not move
 * the matter on. */
#ifndef PA_RULES_H
#define PA_RULES_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/err.h"

struct pa_field;

enum pa_rule_op { PA_OP_LT, PA_OP_LE, PA_OP_GT, PA_OP_GE, PA_OP_EQ };

#define PA_RULE_MAX_TERMS 6

struct pa_rule_side {
	int nf; /* fields summed; 0 = the constant num */
	const struct pa_field *f[PA_RULE_MAX_TERMS];
	long num, den; /* the fraction before it (1/1 when none) */
};

struct pa_rule {
	int line;
	struct pa_rule_side l, r;
	enum pa_rule_op op;
	bool dates;                  /* both sides are dates */
	const struct pa_field *when; /* NULL = always */
	const char *when_value;
	const char *cite; /* "; CITATION" or NULL */
};

/* Parse the text of a rule against a record's fields (strings in a). On a problem returns
 * PA_DATA_FILE with "path:line: key: problem". */
enum pa_err pa_rule_parse(struct pa_arena *a, const char *path, int line, const char *key,
			  const char *text, const struct pa_field *fields, int nfields,
			  struct pa_rule *out);

/* Whether obj (a record already checked against its fields) keeps rule r: true when it does
 * or when the rule does not apply to it. On false, zh and en (cap bytes each) get the
 * reason with the values ("参会人数（28）应不少于应到人数（45）的2/3 …", "Attendees …"). */
bool pa_rule_holds(const struct pa_rule *r, json_t *obj, char *zh, char *en, size_t cap);

/* The object field the rule is about: its left side's first field (NULL for a constant). */
const struct pa_field *pa_rule_field(const struct pa_rule *r);

#endif
