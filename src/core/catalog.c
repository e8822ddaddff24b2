/* catalog.c: loads and validates roles, lifecycles and case types from data files. */
#include "core/catalog.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/msgs.h"

static const char *kind_names[] = {"initial", "active", "waiting", "terminal"};
static const char *phase_names[] = {"-", "accept", "handle", "verify"};

static const struct {
	const char *word;
	unsigned bit;
} needs_words[] = {
#define PA_X(name, word, bit) {word, bit},
	PA_NEEDS_MAP(PA_X)
#undef PA_X
};

static const char *effect_words[] = {
#define PA_X(name, word) word,
	PA_EFFECTS_MAP(PA_X)
#undef PA_X
};

const char *pa_phase_name(enum pa_phase p)
{
	return phase_names[p];
}

const char *pa_effect_name(enum pa_effect e)
{
	return effect_words[e];
}

int pa_needs_words(unsigned needs, const char *out[PA_MAX_NEEDS])
{
	int n = 0;
	for (size_t i = 0; i < sizeof needs_words / sizeof *needs_words && n < PA_MAX_NEEDS; i++)
		if (needs & needs_words[i].bit)
			out[n++] = needs_words[i].word;
	return n;
}
static const char *field_type_names[] = {"text", "longtext", "int",    "money",
					 "date", "bool",     "choice", "phone"};

const char *pa_state_kind_name(enum pa_state_kind k)
{
	return kind_names[k];
}

const char *pa_field_type_name(enum pa_field_type t)
{
	return field_type_names[t];
}

static int is_code(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* Required key of a key/value section. */
static enum pa_err need_key(const struct pa_conf *cf, const struct pa_conf_section *s,
			    const char *key, const char **out)
{
	int line = s ? s->line : 1;
	*out = pa_conf_get(s, key, &line);
	if (!*out || !**out)
		return pa_data_file_err(cf->path, line, key, "missing (add \"%s = …\" to [%s])",
					key, s ? s->name : "?");
	return PA_OK;
}

static enum pa_err need_cols(const struct pa_conf *cf, const struct pa_conf_row *r, int min,
			     int max, const char *what)
{
	if (r->key)
		return pa_data_file_err(cf->path, r->line, what,
					"expected columns, found \"%s = …\"", r->key);
	if (r->ntok < min || r->ntok > max)
		return pa_data_file_err(cf->path, r->line, what,
					"expected %d to %d columns, found %d", min, max, r->ntok);
	return PA_OK;
}

static enum pa_err check_code(const struct pa_conf *cf, int line, const char *field,
			      const char *code)
{
	if (!is_code(code))
		return pa_data_file_err(cf->path, line, field,
					"\"%s\" is not a code (use a-z, 0-9 and _)", code);
	return PA_OK;
}

/* ---- roles ---- */

static const char *perm_words[] = {
#define PA_X(name, word, duty) word,
	PA_PERMS_MAP(PA_X)
#undef PA_X
};

static const enum pa_duty perm_duty[] = {
#define PA_X(name, word, duty) PA_DUTY_##duty,
	PA_PERMS_MAP(PA_X)
#undef PA_X
};

static const char *const duty_words[] = {"", PA_W("system administration"),
					 PA_W("security administration"), PA_W("audit")};

/* "role1,role2" as a mask of role bits (empty: 0). */
static enum pa_err roles_mask(const struct pa_catalog *c, const struct pa_conf *cf, int line,
			      const char *list, uint64_t *mask)
{
	*mask = 0;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", list);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct pa_role *r = pa_catalog_role(c, t);
		if (!r)
			return pa_data_file_err(cf->path, line, "roles", "unknown role \"%s\"", t);
		*mask |= 1ull << r->index;
	}
	return PA_OK;
}

static enum pa_err parse_roles_mask(const struct pa_catalog *c, const struct pa_conf *cf, int line,
				    const char *list, uint64_t *mask)
{
	enum pa_err rc = roles_mask(c, cf, line, list, mask);
	if (!rc && !*mask)
		return pa_data_file_err(cf->path, line, "roles",
					"no role may take this transition");
	return rc;
}

/* [permissions]: each permission once, with the roles that have it ("-" = none). Every
 * permission must be listed, so a forgotten one is an error rather than nobody's. */
static enum pa_err load_permissions(struct pa_catalog *c, const struct pa_conf *cf)
{
	const struct pa_conf_section *s = pa_conf_section(cf, "permissions");
	int line[PA_PERM__COUNT] = {0};
	for (int i = 0; s && i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		enum pa_err rc = need_cols(cf, r, 2, 2, "permissions");
		if (rc)
			return rc;
		int p = 0;
		while (p < PA_PERM__COUNT && strcmp(perm_words[p], r->tok[0]) != 0)
			p++;
		if (p == PA_PERM__COUNT)
			return pa_data_file_err(cf->path, r->line, "permission",
						"unknown permission \"%s\"", r->tok[0]);
		if (line[p])
			return pa_data_file_err(cf->path, r->line, "permission",
						"%s listed twice (line %d)", r->tok[0], line[p]);
		line[p] = r->line;
		uint64_t mask;
		if ((rc = roles_mask(c, cf, r->line, r->tok[1], &mask)))
			return rc;
		for (int k = 0; k < c->nroles; k++) {
			if (!((mask >> k) & 1u))
				continue;
			struct pa_role *ro = &c->roles[k];
			enum pa_duty d = perm_duty[p];
			/* separation of duties holds whatever the file says */
			if (d && ro->duty && ro->duty != d)
				return pa_data_file_err(
					cf->path, r->line, "permissions",
					"%s would give %s both %s and %s: one role holds one "
					"of the three duties at most",
					r->tok[0], ro->code, duty_words[ro->duty], duty_words[d]);
			if (d)
				ro->duty = d;
			ro->perms |= 1u << p;
		}
	}
	for (int p = 0; p < PA_PERM__COUNT; p++)
		if (!line[p])
			return pa_data_file_err(cf->path, s ? s->line : 1, "permissions",
						"%s is not listed (give it roles, or - for none)",
						perm_words[p]);
	return PA_OK;
}

/* [totp]: "required ROLES" and "optional ROLES" ("-" = none), each role once at most; a
 * role not listed is required to use a second factor. */
static enum pa_err load_totp(struct pa_catalog *c, const struct pa_conf *cf)
{
	const struct pa_conf_section *s = pa_conf_section(cf, "totp");
	uint64_t seen = 0;
	for (int i = 0; s && i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		enum pa_err rc = need_cols(cf, r, 2, 2, "totp");
		if (rc)
			return rc;
		bool optional = strcmp(r->tok[0], "optional") == 0;
		if (!optional && strcmp(r->tok[0], "required") != 0)
			return pa_data_file_err(cf->path, r->line, "totp",
						"\"%s\" is not required or optional", r->tok[0]);
		uint64_t mask;
		if ((rc = roles_mask(c, cf, r->line, r->tok[1], &mask)))
			return rc;
		if (mask & seen)
			return pa_data_file_err(cf->path, r->line, "roles",
						"a role is listed twice in [totp]");
		seen |= mask;
		for (int k = 0; k < c->nroles; k++)
			if ((mask >> k) & 1u)
				c->roles[k].totp_optional = optional;
	}
	return PA_OK;
}

static enum pa_err load_roles(struct pa_catalog *c, const char *path)
{
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	if (rc)
		goto out;
	const struct pa_conf_section *s = pa_conf_section(&cf, "roles");
	if (!s || !s->nrows) {
		rc = pa_data_file_err(path, 1, "roles", "no [roles] section with rows");
		goto out;
	}
	if (s->nrows > PA_MAX_ROLES) {
		rc = pa_data_file_err(path, s->line, "roles", "more than %d roles", PA_MAX_ROLES);
		goto out;
	}
	c->roles = pa_alloc(&c->arena, sizeof *c->roles * (size_t)s->nrows);
	for (int i = 0; i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		if ((rc = need_cols(&cf, r, 4, 4, "roles")) ||
		    (rc = check_code(&cf, r->line, "code", r->tok[0])))
			goto out;
		if (pa_catalog_role(c, r->tok[0])) {
			rc = pa_data_file_err(path, r->line, "code", "role \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		struct pa_role *ro = &c->roles[c->nroles];
		if (strcmp(r->tok[1], "region") == 0)
			ro->scope = PA_SCOPE_REGION;
		else if (strcmp(r->tok[1], "unit") == 0)
			ro->scope = PA_SCOPE_UNIT;
		else if (strcmp(r->tok[1], "none") == 0)
			ro->scope = PA_SCOPE_NONE;
		else {
			rc = pa_data_file_err(path, r->line, "scope",
					      "\"%s\" is not region, unit or none", r->tok[1]);
			goto out;
		}
		ro->code = pa_strdup(&c->arena, r->tok[0]);
		ro->name = pa_strdup(&c->arena, r->tok[2]);
		ro->name_en = pa_strdup(&c->arena, r->tok[3]);
		ro->index = c->nroles++;
	}
	if (!(rc = load_permissions(c, &cf)))
		rc = load_totp(c, &cf);
out:
	pa_conf_free(&cf);
	return rc;
}

/* ---- channels ---- */

static enum pa_err load_channels(struct pa_catalog *c, const char *path)
{
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	if (rc)
		goto out;
	const struct pa_conf_section *s = pa_conf_section(&cf, "channels");
	if (!s || !s->nrows) {
		rc = pa_data_file_err(path, 1, "channels", "no [channels] section with rows");
		goto out;
	}
	c->channels = pa_alloc(&c->arena, sizeof *c->channels * (size_t)s->nrows);
	for (int i = 0; i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		if ((rc = need_cols(&cf, r, 3, 3, "channels")) ||
		    (rc = check_code(&cf, r->line, "code", r->tok[0])))
			goto out;
		if (pa_catalog_channel(c, r->tok[0])) {
			rc = pa_data_file_err(path, r->line, "code", "channel \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		struct pa_channel *ch = &c->channels[c->nchannels++];
		ch->code = pa_strdup(&c->arena, r->tok[0]);
		ch->name = pa_strdup(&c->arena, r->tok[1]);
		ch->name_en = pa_strdup(&c->arena, r->tok[2]);
	}
out:
	pa_conf_free(&cf);
	return rc;
}

/* ---- lifecycles ---- */

/* "replies = a,b" in [lifecycle]: the actions whose note is the answer given to the
 * person who reported the case, which the query page (track) shows them. */
static enum pa_err parse_replies(const char *path, const struct pa_conf_section *head,
				 struct pa_lifecycle *lc)
{
	int line = head->line;
	const char *v = pa_conf_get(head, "replies", &line);
	char buf[512];
	snprintf(buf, sizeof buf, "%s", v ? v : "");
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct pa_action *x = NULL;
		for (int k = 0; k < lc->nactions && !x; k++)
			x = strcmp(lc->actions[k].code, t) ? NULL : &lc->actions[k];
		if (!x)
			return pa_data_file_err(path, line, "replies", "unknown action \"%s\"", t);
		x->reply = true;
	}
	return PA_OK;
}

static enum pa_err load_lifecycle(struct pa_catalog *c, const char *path, struct pa_lifecycle *lc)
{
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	if (rc)
		goto out;
	struct pa_arena *a = &c->arena;
	const struct pa_conf_section *head = pa_conf_section(&cf, "lifecycle");
	const char *v;
	if ((rc = need_key(&cf, head, "code", &v)) || (rc = check_code(&cf, head->line, "code", v)))
		goto out;
	lc->code = pa_strdup(a, v);
	if ((rc = need_key(&cf, head, "name", &v)))
		goto out;
	lc->name = pa_strdup(a, v);
	lc->max_extension_days = 90;
	int eline = head->line;
	const char *ext = pa_conf_get(head, "max_extension_days", &eline);
	if (ext) {
		char *end;
		long n = strtol(ext, &end, 10);
		if (*end || n < 1 || n > 365) {
			rc = pa_data_file_err(path, eline, "max_extension_days",
					      "\"%s\" is not 1 to 365", ext);
			goto out;
		}
		lc->max_extension_days = (int)n;
	}
	const char *ind = pa_conf_get(head, "indicators", &eline);
	if (ind && strcmp(ind, "yes") != 0 && strcmp(ind, "no") != 0) {
		rc = pa_data_file_err(path, eline, "indicators", "\"%s\" is not yes or no", ind);
		goto out;
	}
	lc->uncounted = ind && strcmp(ind, "no") == 0;

	/* Sections are checked in file order so the first problem reported is the first
	 * one a reader meets. */
	const struct pa_conf_section *st = pa_conf_section(&cf, "states");
	const struct pa_conf_section *ac = pa_conf_section(&cf, "actions");
	const struct pa_conf_section *tr = pa_conf_section(&cf, "transitions");
	if (!st) {
		rc = pa_data_file_err(path, 1, "states", "no [states] section");
		goto out;
	}
	lc->states = pa_alloc(a, sizeof *lc->states * (size_t)(st->nrows + 1));
	int ninitial = 0;
	for (int i = 0; i < st->nrows; i++) {
		const struct pa_conf_row *r = &st->rows[i];
		if ((rc = need_cols(&cf, r, 5, 5, "states")) ||
		    (rc = check_code(&cf, r->line, "code", r->tok[0])))
			goto out;
		if (pa_lifecycle_state(lc, r->tok[0]) >= 0) {
			rc = pa_data_file_err(path, r->line, "code", "state \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		struct pa_state *s = &lc->states[lc->nstates];
		int k = -1;
		for (int j = 0; j < 4; j++)
			if (strcmp(r->tok[1], kind_names[j]) == 0)
				k = j;
		if (k < 0) {
			rc = pa_data_file_err(path, r->line, "kind",
					      "\"%s\" is not initial, active, waiting or terminal",
					      r->tok[1]);
			goto out;
		}
		ninitial += k == PA_STATE_INITIAL;
		s->kind = (enum pa_state_kind)k;
		int ph = -1;
		for (int j = 0; j < 4; j++)
			if (strcmp(r->tok[2], phase_names[j]) == 0 || (j == 0 && !*r->tok[2]))
				ph = j;
		if (ph < 0) {
			rc = pa_data_file_err(path, r->line, "phase",
					      "\"%s\" is not accept, handle, verify or -",
					      r->tok[2]);
			goto out;
		}
		if (k == PA_STATE_TERMINAL && ph != PA_PHASE_NONE) {
			rc = pa_data_file_err(path, r->line, "phase",
					      "a terminal state runs no clock: use -");
			goto out;
		}
		s->phase = (enum pa_phase)ph;
		s->code = pa_strdup(a, r->tok[0]);
		s->name = pa_strdup(a, r->tok[3]);
		s->name_en = pa_strdup(a, r->tok[4]);
		lc->nstates++;
	}
	int dline = head->line;
	const char *done = pa_conf_get(head, "done", &dline);
	if (!done || !*done) {
		rc = pa_data_file_err(path, head->line, "done",
				      "missing: the states that count as closed (办结)");
		goto out;
	}
	char dbuf[512];
	snprintf(dbuf, sizeof dbuf, "%s", done);
	char *dsave = NULL;
	for (char *t = strtok_r(dbuf, ",", &dsave); t; t = strtok_r(NULL, ",", &dsave)) {
		int k = pa_lifecycle_state(lc, t);
		if (k < 0 || k >= 64) {
			rc = pa_data_file_err(path, dline, "done", "unknown state \"%s\"", t);
			goto out;
		}
		lc->done |= 1ull << k;
	}
	if (ninitial != 1) {
		rc = pa_data_file_err(path, st->line, "kind",
				      "exactly one state must be initial (found %d)", ninitial);
		goto out;
	}

	if (!ac) {
		rc = pa_data_file_err(path, 1, "actions", "no [actions] section");
		goto out;
	}
	lc->actions = pa_alloc(a, sizeof *lc->actions * (size_t)(ac->nrows + 1));
	for (int i = 0; i < ac->nrows; i++) {
		const struct pa_conf_row *r = &ac->rows[i];
		if ((rc = need_cols(&cf, r, 5, 6, "actions")) ||
		    (rc = check_code(&cf, r->line, "code", r->tok[0])))
			goto out;
		if (pa_lifecycle_action(lc, r->tok[0])) {
			rc = pa_data_file_err(path, r->line, "code", "action \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		struct pa_action *x = &lc->actions[lc->nactions];
		char buf[256];
		snprintf(buf, sizeof buf, "%s", r->tok[3]);
		char *save = NULL;
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			unsigned bit = 0;
			for (size_t k = 0; k < sizeof needs_words / sizeof *needs_words; k++)
				if (strcmp(t, needs_words[k].word) == 0)
					bit = needs_words[k].bit;
			if (!bit) {
				rc = pa_data_file_err(
					path, r->line, "needs",
					"\"%s\" is not one of note, unit, holder, case, days, "
					"rating, tier, record, not_reporter, not_handler, above",
					t);
				goto out;
			}
			x->needs |= bit;
		}
		int eff = -1;
		for (size_t k = 0; k < sizeof effect_words / sizeof *effect_words; k++)
			if (strcmp(r->tok[4], effect_words[k]) == 0 || (k == 0 && !*r->tok[4]))
				eff = (int)k;
		if (eff < 0) {
			rc = pa_data_file_err(path, r->line, "effect", "unknown effect \"%s\"",
					      r->tok[4]);
			goto out;
		}
		x->effect = (enum pa_effect)eff;
		/* the sixth column: an event the statistics count when the action is taken */
		if (r->ntok > 5 && *r->tok[5]) {
			static const char *const counts_words[] = {"mediation_success",
								   "mediation_failed"};
			for (size_t k = 0; k < sizeof counts_words / sizeof *counts_words; k++)
				if (strcmp(r->tok[5], counts_words[k]) == 0)
					x->counts = counts_words[k];
			if (!x->counts) {
				rc = pa_data_file_err(
					path, r->line, "counts",
					"\"%s\" is not one of mediation_success, mediation_failed",
					r->tok[5]);
				goto out;
			}
		}
		/* an effect works on what the request carries: the data must ask for it */
		static const struct {
			enum pa_effect e;
			unsigned need;
			const char *word;
		} wants[] = {
			{PA_EFFECT_ASSIGN, PA_NEED_UNIT, "unit"},
			{PA_EFFECT_MERGE, PA_NEED_CASE, "case"},
			{PA_EFFECT_LINK, PA_NEED_CASE, "case"},
			{PA_EFFECT_EXT_REQUEST, PA_NEED_DAYS, "days"},
			{PA_EFFECT_SUPERVISE, PA_NEED_DAYS, "days"},
			{PA_EFFECT_TRIAGE, PA_NEED_TIER, "tier"},
			{PA_EFFECT_RATE, PA_NEED_RATING, "rating"},
			{PA_EFFECT_RECORD, PA_NEED_RECORD, "record"},
			{PA_EFFECT_SUP_REPORT, PA_NEED_NOTE, "note"},
			/* taking a case over is a decision on the record: why, and from below */
			{PA_EFFECT_TAKE_OVER, PA_NEED_NOTE, "note"},
			{PA_EFFECT_TAKE_OVER, PA_NEED_ABOVE, "above"},
		};
		for (size_t k = 0; k < sizeof wants / sizeof *wants; k++)
			if (x->effect == wants[k].e && !(x->needs & wants[k].need)) {
				rc = pa_data_file_err(path, r->line, "needs",
						      "the effect %s needs \"%s\"", r->tok[4],
						      wants[k].word);
				goto out;
			}
		/* the holder acts, a unit above takes over: never both of one action */
		if ((x->needs & PA_NEED_HOLDER) && (x->needs & PA_NEED_ABOVE)) {
			rc = pa_data_file_err(path, r->line, "needs",
					      "\"holder\" and \"above\" exclude each other");
			goto out;
		}
		x->code = pa_strdup(a, r->tok[0]);
		x->name = pa_strdup(a, r->tok[1]);
		x->name_en = pa_strdup(a, r->tok[2]);
		lc->nactions++;
	}

	if ((rc = parse_replies(path, head, lc)))
		goto out;
	if (!tr) {
		rc = pa_data_file_err(path, 1, "transitions", "no [transitions] section");
		goto out;
	}
	lc->trans = pa_alloc(a, sizeof *lc->trans * (size_t)(tr->nrows + 1));
	int nreport = 0;
	for (int i = 0; i < tr->nrows; i++) {
		const struct pa_conf_row *r = &tr->rows[i];
		if ((rc = need_cols(&cf, r, 4, 4, "transitions")))
			goto out;
		struct pa_transition *t = &lc->trans[lc->ntrans];
		t->action = pa_lifecycle_action(lc, r->tok[0]);
		if (!t->action) {
			rc = pa_data_file_err(path, r->line, "action", "unknown action \"%s\"",
					      r->tok[0]);
			goto out;
		}
		if (!*r->tok[1])
			t->from = PA_FROM_CREATE;
		else if (strcmp(r->tok[1], "*") == 0)
			t->from = PA_FROM_ANY;
		else if ((t->from = pa_lifecycle_state(lc, r->tok[1])) < 0) {
			rc = pa_data_file_err(path, r->line, "from", "unknown state \"%s\"",
					      r->tok[1]);
			goto out;
		}
		t->to = strcmp(r->tok[2], "=") == 0 ? PA_TO_SAME
						    : pa_lifecycle_state(lc, r->tok[2]);
		if (t->to == PA_TO_SAME && t->from == PA_FROM_CREATE) {
			rc = pa_data_file_err(path, r->line, "to",
					      "the creating transition needs a state, not =");
			goto out;
		}
		if (t->to == -1) {
			rc = pa_data_file_err(path, r->line, "to", "unknown state \"%s\"",
					      r->tok[2]);
			goto out;
		}
		if (t->from >= 0 && lc->states[t->from].kind == PA_STATE_TERMINAL) {
			rc = pa_data_file_err(path, r->line, "from",
					      "state \"%s\" is terminal: nothing leaves it",
					      r->tok[1]);
			goto out;
		}
		if (t->from == PA_FROM_CREATE) {
			nreport++;
			if (lc->states[t->to].kind != PA_STATE_INITIAL) {
				rc = pa_data_file_err(
					path, r->line, "to",
					"the creating transition (from \"-\") must lead to the "
					"initial state");
				goto out;
			}
		}
		bool twice = false;
		for (int k = 0; k < lc->ntrans; k++)
			twice |= lc->trans[k].from == t->from &&
				 strcmp(lc->trans[k].action->code, t->action->code) == 0;
		if (twice) {
			rc = pa_data_file_err(path, r->line, "action",
					      "\"%s\" from \"%s\" listed twice", t->action->code,
					      r->tok[1]);
			goto out;
		}
		if ((rc = parse_roles_mask(c, &cf, r->line, r->tok[3], &t->roles)))
			goto out;
		lc->ntrans++;
	}
	if (nreport != 1) {
		rc = pa_data_file_err(
			path, tr->line, "from",
			"exactly one transition must create the case (from \"-\"); found %d",
			nreport);
		goto out;
	}
	/* the phases' names, for what a person reads of the clock (the sweeper's notes);
	 * checked last, so the tests of the other sections keep their order */
	const struct pa_conf_section *phs = pa_conf_section(&cf, "phases");
	for (int i = 0; phs && i < phs->nrows; i++) {
		const struct pa_conf_row *r = &phs->rows[i];
		if ((rc = need_cols(&cf, r, 3, 3, "phases")))
			goto out;
		int ph = -1;
		for (int j = 1; j < 4; j++)
			if (strcmp(r->tok[0], phase_names[j]) == 0)
				ph = j;
		if (ph < 0) {
			rc = pa_data_file_err(path, r->line, "phase",
					      "\"%s\" is not accept, handle or verify", r->tok[0]);
			goto out;
		}
		if (lc->phase_name[ph]) {
			rc = pa_data_file_err(path, r->line, "phase", "phase \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		lc->phase_name[ph] = pa_strdup(a, r->tok[1]);
		lc->phase_name_en[ph] = pa_strdup(a, r->tok[2]);
	}
	for (int i = 0; i < lc->nstates; i++) {
		enum pa_phase ph = lc->states[i].phase;
		if (ph != PA_PHASE_NONE && !lc->phase_name[ph]) {
			rc = pa_data_file_err(path, phs ? phs->line : st->line, "phases",
					      "state %s runs the %s phase: name it in [phases] "
					      "(code, name, name_en)",
					      lc->states[i].code, phase_names[ph]);
			goto out;
		}
	}
out:
	pa_conf_free(&cf);
	return rc;
}

/* ---- tiers, limits and routing ---- */

static const char *tier_names[] = {"village", "town", "city"};

const char *pa_tier_name(enum pa_tier t)
{
	return tier_names[t];
}

int pa_tier_of(const char *name)
{
	for (int i = 0; name && i < 3; i++)
		if (strcmp(name, tier_names[i]) == 0)
			return i;
	return -1;
}

static const char *const unit_names[] = {"working_days", "calendar_days", "hours"};

const char *pa_limit_unit_name(enum pa_limit_unit u)
{
	return unit_names[u];
}

/* "5" = 5 in the profile's unit; "5wd" working days, "5d" calendar days, "24h" hours. */
static bool parse_limit(const char *s, enum pa_limit_unit dflt, int *v, enum pa_limit_unit *u)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (!*end)
		*u = dflt;
	else if (strcmp(end, "h") == 0)
		*u = PA_UNIT_HOURS;
	else if (strcmp(end, "d") == 0)
		*u = PA_UNIT_DAYS;
	else if (strcmp(end, "wd") == 0)
		*u = PA_UNIT_WORKDAYS;
	else
		return false;
	if (end == s || n <= 0 || n > 3650)
		return false;
	*v = (int)n;
	return true;
}

/* A profile's key rows: escalate, unit and basis (both required: every profile says what
 * its numbers count and which regulation sets them). */
static enum pa_err profile_keys(struct pa_arena *a, const struct pa_conf *cf,
				const struct pa_conf_section *s, struct pa_profile *p)
{
	int line = s->line;
	const char *v;
	for (int k = 0; k < s->nrows; k++) {
		const struct pa_conf_row *r = &s->rows[k];
		if (r->key && strcmp(r->key, "escalate") && strcmp(r->key, "unit") &&
		    strcmp(r->key, "basis"))
			return pa_data_file_err(cf->path, r->line, r->key,
						"only escalate, unit and basis are known here");
	}
	if ((v = pa_conf_get(s, "escalate", &line)) && strcmp(v, "yes") && strcmp(v, "no"))
		return pa_data_file_err(cf->path, line, "escalate", "\"%s\" is not yes or no", v);
	p->escalate = v && strcmp(v, "yes") == 0;
	if (!(v = pa_conf_get(s, "unit", &line)) || !*v)
		return pa_data_file_err(cf->path, s->line, "unit",
					"missing: \"unit = working_days\" (工作日) or "
					"\"unit = calendar_days\" (自然日)");
	if (strcmp(v, "working_days") && strcmp(v, "calendar_days"))
		return pa_data_file_err(cf->path, line, "unit",
					"\"%s\" is not working_days or calendar_days", v);
	p->unit = strcmp(v, "calendar_days") == 0 ? PA_UNIT_DAYS : PA_UNIT_WORKDAYS;
	if (!(v = pa_conf_get(s, "basis", &line)) || !*v)
		return pa_data_file_err(cf->path, s->line, "basis",
					"missing: the regulation the limits follow (\"basis = "
					"《信访工作条例》…\", or the centre's own rule)");
	p->basis = pa_strdup(a, v);
	return PA_OK;
}

static enum pa_err load_limits(struct pa_catalog *c, const char *path)
{
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	if (rc)
		goto out;
	c->profiles = pa_alloc(&c->arena, sizeof *c->profiles * (size_t)(cf.nsec + 1));
	for (int i = 0; i < cf.nsec; i++) {
		const struct pa_conf_section *s = &cf.sec[i];
		if (strcmp(s->name, "profile") != 0 || !s->arg ||
		    (rc = check_code(&cf, s->line, "profile", s->arg))) {
			rc = rc ? rc
				: pa_data_file_err(path, s->line, "section",
						   "expected [profile NAME]");
			goto out;
		}
		if (pa_catalog_profile(c, s->arg)) {
			rc = pa_data_file_err(path, s->line, "profile",
					      "profile \"%s\" defined twice", s->arg);
			goto out;
		}
		struct pa_profile *p = &c->profiles[c->nprofiles];
		p->code = pa_strdup(&c->arena, s->arg);
		bool seen[3][4] = {{false}};
		if ((rc = profile_keys(&c->arena, &cf, s, p)))
			goto out;
		for (int k = 0; k < s->nrows; k++) {
			const struct pa_conf_row *r = &s->rows[k];
			if (r->key)
				continue;
			if ((rc = need_cols(&cf, r, 4, 4, "limits")))
				goto out;
			int t = pa_tier_of(r->tok[0]), ph = -1;
			for (int j = 1; j < 4; j++)
				if (strcmp(r->tok[1], phase_names[j]) == 0)
					ph = j;
			if (t < 0) {
				rc = pa_data_file_err(path, r->line, "tier",
						      "\"%s\" is not village, town or city",
						      r->tok[0]);
				goto out;
			}
			if (ph < 0) {
				rc = pa_data_file_err(path, r->line, "phase",
						      "\"%s\" is not accept, handle or verify",
						      r->tok[1]);
				goto out;
			}
			if (seen[t][ph]) {
				rc = pa_data_file_err(path, r->line, "phase", "%s %s listed twice",
						      r->tok[0], r->tok[1]);
				goto out;
			}
			struct pa_limit *l = &p->lim[t][ph];
			enum pa_limit_unit yu, ru;
			bool yok = parse_limit(r->tok[2], p->unit, &l->yellow, &yu);
			if (!yok || !parse_limit(r->tok[3], p->unit, &l->red, &ru)) {
				rc = pa_data_file_err(path, r->line, yok ? "red" : "yellow",
						      "\"%s\" is not N (the profile's unit), Nwd "
						      "(working days), Nd (calendar days) or Nh "
						      "(hours)",
						      r->tok[yok ? 3 : 2]);
				goto out;
			}
			if (yu != ru || l->red <= l->yellow) {
				rc = pa_data_file_err(
					path, r->line, "red",
					"the red limit must come after the yellow one, in the "
					"same unit");
				goto out;
			}
			l->unit = yu;
			seen[t][ph] = true;
		}
		for (int t = 0; t < 3; t++)
			for (int ph = 1; ph < 4; ph++)
				if (!seen[t][ph]) {
					rc = pa_data_file_err(path, s->line, "limits",
							      "profile %s has no %s %s limit",
							      p->code, tier_names[t],
							      phase_names[ph]);
					goto out;
				}
		c->nprofiles++;
	}
	if (!c->nprofiles)
		rc = pa_data_file_err(path, 1, "profile", "no [profile NAME] section");
out:
	pa_conf_free(&cf);
	return rc;
}

static bool category_anywhere(const struct pa_catalog *c, const char *code)
{
	for (int i = 0; i < c->ntypes; i++)
		if (pa_type_category(&c->types[i], code))
			return true;
	return false;
}

static bool region_code(const char *s)
{
	size_t n = strlen(s);
	if (n != 6 && n != 9 && n != 12 && n != 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

#define MAX_RULES 1000

/* One rule row into ro (strings in arena a). */
static enum pa_err parse_rule(const struct pa_catalog *c, const struct pa_conf *cf,
			      const struct pa_conf_row *r, struct pa_arena *a,
			      struct pa_routing_rule *ro)
{
	const char *path = cf->path;
	enum pa_err rc;
	if ((rc = need_cols(cf, r, 8, 8, "rules")) ||
	    (rc = check_code(cf, r->line, "id", r->tok[0])))
		return rc;
	ro->id = pa_strdup(a, r->tok[0]);
	ro->line = r->line;
	const struct pa_casetype *t = NULL;
	if (*r->tok[1] && !(t = pa_catalog_type(c, r->tok[1])))
		return pa_data_file_err(path, r->line, "type", "unknown case type \"%s\"",
					r->tok[1]);
	if (*r->tok[2] && (t ? !pa_type_category(t, r->tok[2]) : !category_anywhere(c, r->tok[2])))
		return t ? pa_data_file_err(path, r->line, "category",
					    "unknown category \"%s\" for %s", r->tok[2], t->code)
			 : pa_data_file_err(path, r->line, "category", "unknown category \"%s\"",
					    r->tok[2]);
	if (*r->tok[3] && !region_code(r->tok[3]))
		return pa_data_file_err(path, r->line, "region", "\"%s\" is not a region code",
					r->tok[3]);
	if (*r->tok[4] && !pa_catalog_channel(c, r->tok[4]))
		return pa_data_file_err(path, r->line, "channel", "unknown channel \"%s\"",
					r->tok[4]);
	const char *target = r->tok[5];
	if (strncmp(target, "unit:", 5) == 0 && target[5]) {
		ro->to_unit = true;
		ro->unit = pa_strdup(a, target + 5);
	} else if (strncmp(target, "tier:", 5) != 0 || pa_tier_of(target + 5) < 0)
		return pa_data_file_err(path, r->line, "target",
					"\"%s\" is not tier:village|town|city or unit:CODE",
					target);
	int tier = pa_tier_of(r->tok[6]);
	if (tier < 0)
		return pa_data_file_err(path, r->line, "tier",
					"\"%s\" is not village, town or city", r->tok[6]);
	if (!ro->to_unit && pa_tier_of(target + 5) != tier)
		return pa_data_file_err(path, r->line, "tier",
					"a case sent to the %s centre starts at the %s tier",
					target + 5, target + 5);
	ro->tier = (enum pa_tier)tier;
	if (!(ro->profile = pa_catalog_profile(c, r->tok[7])))
		return pa_data_file_err(path, r->line, "profile", "unknown profile \"%s\"",
					r->tok[7]);
	ro->type = t ? t->code : NULL;
	ro->category = *r->tok[2] ? pa_strdup(a, r->tok[2]) : NULL;
	ro->region = *r->tok[3] ? pa_strdup(a, r->tok[3]) : NULL;
	ro->channel = *r->tok[4] ? pa_strdup(a, r->tok[4]) : NULL;
	return PA_OK;
}

static enum pa_err parse_rules(const struct pa_catalog *c, const struct pa_conf *cf,
			       struct pa_routing *rt)
{
	const char *path = cf->path;
	const struct pa_conf_section *s = NULL;
	for (int i = 0; i < cf->nsec; i++) {
		const struct pa_conf_section *x = &cf->sec[i];
		if (strcmp(x->name, "rules") != 0)
			return pa_data_file_err(path, x->line, "section",
						"[%s]: routing rules have a [rules] section only",
						x->name);
		if (s)
			return pa_data_file_err(path, x->line, "section",
						"[rules] again: the rules are one section");
		s = x;
	}
	if (!s || !s->nrows)
		return pa_data_file_err(path, s ? s->line : 1, "rules", "no rules");
	if (s->nrows > MAX_RULES)
		return pa_data_file_err(path, s->rows[MAX_RULES].line, "rules",
					"more than %d rules", MAX_RULES);
	rt->rules = pa_alloc(&rt->arena, sizeof *rt->rules * (size_t)s->nrows);
	for (int i = 0; i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		enum pa_err rc = parse_rule(c, cf, r, &rt->arena, &rt->rules[i]);
		if (rc)
			return rc;
		for (int k = 0; k < i; k++)
			if (strcmp(rt->rules[k].id, rt->rules[i].id) == 0)
				return pa_data_file_err(path, r->line, "id",
							"rule \"%s\" listed twice (line %d)",
							r->tok[0], rt->rules[k].line);
		rt->nrules++;
	}
	const struct pa_routing_rule *last = &rt->rules[rt->nrules - 1];
	if (last->type || last->category || last->region || last->channel)
		return pa_data_file_err(
			path, last->line, "rules",
			"the last rule must match every case (- in type, category, region, "
			"channel)");
	return PA_OK;
}

enum pa_err pa_routing_parse(const struct pa_catalog *c, const char *name, const char *text,
			     size_t len, struct pa_routing **out)
{
	*out = NULL;
	struct pa_routing *rt = calloc(1, sizeof *rt);
	if (!rt)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	pa_arena_init(&rt->arena);
	struct pa_conf cf;
	/* the [rules] header may be left out: the rows alone are the table */
	enum pa_err rc = pa_conf_parse_rows(name, text, len, "rules", &cf);
	if (!rc)
		rc = parse_rules(c, &cf, rt);
	pa_conf_free(&cf);
	if (rc) {
		pa_routing_free(rt);
		return rc;
	}
	*out = rt;
	return PA_OK;
}

void pa_routing_free(struct pa_routing *r)
{
	if (!r)
		return;
	pa_arena_free(&r->arena);
	free(r);
}

/* routing.conf is checked at load like every data file; the table in force is the
 * service's to choose (the file's, or a later version recorded in the database). */
static enum pa_err load_routing(struct pa_catalog *c, const char *path)
{
	char *text;
	size_t n;
	enum pa_err rc = pa_data_file_read(path, 4 << 20, &text, &n);
	if (rc)
		return rc;
	struct pa_routing *rt;
	if (!(rc = pa_routing_parse(c, path, text, n, &rt))) {
		c->routing_path = pa_strdup(&c->arena, path);
		c->routing_text = pa_strndup(&c->arena, text, n);
	}
	pa_routing_free(rt);
	free(text);
	return rc;
}

const struct pa_profile *pa_catalog_profile(const struct pa_catalog *c, const char *code)
{
	for (int i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].code, code) == 0)
			return &c->profiles[i];
	return NULL;
}

const struct pa_routing_rule *pa_routing_match(const struct pa_routing *rt, const char *type,
					       const char *category, const char *grid,
					       const char *channel)
{
	for (int i = 0; i < rt->nrules; i++) {
		const struct pa_routing_rule *r = &rt->rules[i];
		if ((r->type && strcmp(r->type, type) != 0) ||
		    (r->category && strcmp(r->category, category) != 0) ||
		    (r->region && strncmp(grid, r->region, strlen(r->region)) != 0) ||
		    (r->channel && strcmp(r->channel, channel) != 0))
			continue;
		return r;
	}
	return NULL;
}

/* ---- case types ---- */

/* The column rows of a section as form fields (key/value rows are skipped). */
static enum pa_err load_fields(struct pa_catalog *c, const struct pa_conf *cf,
			       const struct pa_conf_section *fs, struct pa_field **out, int *count)
{
	struct pa_arena *a = &c->arena;
	const char *path = cf->path;
	enum pa_err rc = PA_OK;
	int nf = fs ? fs->nrows : 0;
	struct pa_field *fields = pa_alloc(a, sizeof *fields * (size_t)(nf + 1));
	int n = 0;
	for (int i = 0; i < nf; i++) {
		const struct pa_conf_row *r = &fs->rows[i];
		if (r->key)
			continue;
		if ((rc = need_cols(cf, r, 5, 6, "fields")) ||
		    (rc = check_code(cf, r->line, "code", r->tok[0])))
			return rc;
		struct pa_field *f = &fields[n];
		for (int j = 0; j < n; j++)
			if (strcmp(fields[j].code, r->tok[0]) == 0)
				return pa_data_file_err(path, r->line, "code",
							"field \"%s\" listed twice", r->tok[0]);
		int ty = -1;
		for (int j = 0; j < (int)(sizeof field_type_names / sizeof *field_type_names); j++)
			if (strcmp(r->tok[1], field_type_names[j]) == 0)
				ty = j;
		if (ty < 0)
			return pa_data_file_err(
				path, r->line, "type",
				"\"%s\" is not one of text, longtext, int, money, date, bool, "
				"choice, phone",
				r->tok[1]);
		f->type = (enum pa_field_type)ty;
		/* "required" or "optional", and ",past" on a date of something that happened */
		const char *past = strstr(r->tok[2], ",past");
		f->past = past && !past[5];
		size_t rl = f->past ? (size_t)(past - r->tok[2]) : strlen(r->tok[2]);
		if (rl == 8 && strncmp(r->tok[2], "required", 8) == 0)
			f->required = true;
		else if (rl != 8 || strncmp(r->tok[2], "optional", 8) != 0)
			return pa_data_file_err(path, r->line, "required",
						"\"%s\" is not required or optional (a date may "
						"add ,past)",
						r->tok[2]);
		if (f->past && f->type != PA_FIELD_DATE)
			return pa_data_file_err(path, r->line, "required",
						"only a date can be past");
		f->code = pa_strdup(a, r->tok[0]);
		f->name = pa_strdup(a, r->tok[3]);
		f->name_en = pa_strdup(a, r->tok[4]);
		if (f->type == PA_FIELD_CHOICE) {
			if (r->ntok != 6 || !*r->tok[5])
				return pa_data_file_err(
					path, r->line, "choices",
					"a choice field needs a sixth column: choices "
					"separated by |");
			char *buf = pa_strdup(a, r->tok[5]);
			int k = 1;
			for (char *p = buf; *p; p++)
				k += *p == '|';
			f->choices = pa_alloc(a, sizeof(char *) * (size_t)k);
			char *save = NULL;
			for (char *x = strtok_r(buf, "|", &save); x; x = strtok_r(NULL, "|", &save))
				f->choices[f->nchoices++] = x;
		} else if (r->ntok == 6 && *r->tok[5])
			return pa_data_file_err(path, r->line, "choices",
						"only a choice field takes choices");
		n++;
	}
	*out = fields;
	*count = n;
	return rc;
}

/* "watch = FIELD" (after the fields are loaded): a date field of the type's own that the
 * sweeper watches, and "watch_step = …", the name of the mark it makes when the date passes. */
static enum pa_err load_watch(struct pa_arena *a, const struct pa_conf *cf,
			      const struct pa_conf_section *head, struct pa_casetype *t)
{
	int line = head->line;
	const char *w = pa_conf_get(head, "watch", &line);
	if (w && !*w)
		w = NULL;
	for (int i = 0; w && i < t->nfields; i++)
		if (strcmp(t->fields[i].code, w) == 0)
			t->watch = &t->fields[i];
	if (w && !t->watch)
		return pa_data_file_err(cf->path, line, "watch",
					"no field \"%s\" in [fields] to watch", w);
	if (t->watch && t->watch->type != PA_FIELD_DATE)
		return pa_data_file_err(cf->path, line, "watch", "field \"%s\" is %s, not a date",
					w, pa_field_type_name(t->watch->type));
	const char *step = pa_conf_get(head, "watch_step", &line);
	if (step && *step && !t->watch)
		return pa_data_file_err(cf->path, line, "watch_step",
					"names the mark of a watched date: add \"watch = FIELD\"");
	t->watch_step = pa_strdup(a, step && *step ? step : "逾期督办");
	return PA_OK;
}

/* A record's key rows besides its names: "rule = …" (each must hold), "pass = …" (the
 * outcome) and "fail_to = STATE|=" (where a record that does not pass leads). */
static enum pa_err load_record_rules(struct pa_arena *a, const struct pa_conf *cf,
				     const struct pa_conf_section *rs,
				     const struct pa_lifecycle *lc, struct pa_record_spec *k)
{
	enum pa_err rc = PA_OK;
	k->rules = pa_alloc(a, sizeof *k->rules * (size_t)(rs->nrows + 1));
	k->fail_to = PA_TO_SAME;
	int fline = 0;
	for (int i = 0; i < rs->nrows && !rc; i++) {
		const struct pa_conf_row *r = &rs->rows[i];
		if (!r->key || !strcmp(r->key, "name") || !strcmp(r->key, "name_en"))
			continue;
		if (!strcmp(r->key, "rule"))
			rc = pa_rule_parse(a, cf->path, r->line, r->key, r->value, k->fields,
					   k->nfields, &k->rules[k->nrules++]);
		else if (!strcmp(r->key, "pass") && !k->pass) {
			k->pass = pa_alloc(a, sizeof *k->pass);
			rc = pa_rule_parse(a, cf->path, r->line, r->key, r->value, k->fields,
					   k->nfields, k->pass);
		} else if (!strcmp(r->key, "fail_to") && !fline) {
			fline = r->line;
			if (strcmp(r->value, "=") != 0 &&
			    (k->fail_to = pa_lifecycle_state(lc, r->value)) < 0)
				rc = pa_data_file_err(cf->path, r->line, "fail_to",
						      "no state \"%s\" in lifecycle %s", r->value,
						      lc->code);
		} else
			rc = pa_data_file_err(cf->path, r->line, r->key,
					      "a record takes name, name_en, rule, one pass and "
					      "one fail_to");
	}
	if (!rc && fline && !k->pass)
		rc = pa_data_file_err(cf->path, fline, "fail_to",
				      "says where a record that does not pass leads: add "
				      "\"pass = …\"");
	return rc;
}

static enum pa_err load_type(struct pa_catalog *c, const char *path, struct pa_casetype *t)
{
	struct pa_conf cf;
	enum pa_err rc = pa_conf_load(path, &cf);
	if (rc)
		goto out;
	struct pa_arena *a = &c->arena;
	const struct pa_conf_section *head = pa_conf_section(&cf, "type");
	const char *v;
	int line = head ? head->line : 1;
	if ((rc = need_key(&cf, head, "code", &v)) || (rc = check_code(&cf, head->line, "code", v)))
		goto out;
	t->code = pa_strdup(a, v);
	if ((rc = need_key(&cf, head, "name", &v)))
		goto out;
	t->name = pa_strdup(a, v);
	if ((rc = need_key(&cf, head, "name_en", &v)))
		goto out;
	t->name_en = pa_strdup(a, v);
	if ((rc = need_key(&cf, head, "lifecycle", &v)))
		goto out;
	pa_conf_get(head, "lifecycle", &line);
	for (int i = 0; i < c->nlifecycles; i++)
		if (strcmp(c->lifecycles[i].code, v) == 0)
			t->lc = &c->lifecycles[i];
	if (!t->lc) {
		rc = pa_data_file_err(path, line, "lifecycle", "unknown lifecycle \"%s\"", v);
		goto out;
	}
	/* whistle-blower protection: only these roles see who reported it */
	int kline = head->line;
	const char *rr = pa_conf_get(head, "reporter_roles", &kline);
	if (rr && *rr) {
		t->protect_reporter = true;
		if ((rc = parse_roles_mask(c, &cf, kline, rr, &t->reporter_roles)))
			goto out;
	}
	const char *qc = pa_conf_get(head, "query_code", &kline);
	if (qc && strcmp(qc, "yes") != 0 && strcmp(qc, "no") != 0) {
		rc = pa_data_file_err(path, kline, "query_code", "\"%s\" is not yes or no", qc);
		goto out;
	}
	t->query_code = qc && strcmp(qc, "yes") == 0;
	/* "portal = yes": residents report it on the public portal (acting as the role
	 * PA_PORTAL_ROLE, which the lifecycle's report must then list), and follow it by the
	 * query code they are given */
	const char *po = pa_conf_get(head, "portal", &kline);
	if (po && strcmp(po, "yes") != 0 && strcmp(po, "no") != 0) {
		rc = pa_data_file_err(path, kline, "portal", "\"%s\" is not yes or no", po);
		goto out;
	}
	t->portal = po && strcmp(po, "yes") == 0;
	if (t->portal && !t->query_code) {
		rc = pa_data_file_err(
			path, kline, "portal",
			"a type residents report on the portal needs query_code = yes: "
			"the code is how they follow it");
		goto out;
	}
	if (t->portal) {
		const struct pa_role *pr = pa_catalog_role(c, PA_PORTAL_ROLE);
		const struct pa_transition *rep = NULL;
		for (int i = 0; i < t->lc->ntrans; i++)
			if (t->lc->trans[i].from == PA_FROM_CREATE)
				rep = &t->lc->trans[i];
		if (!pr || !rep || !pa_role_may(rep, pr)) {
			rc = pa_data_file_err(path, kline, "portal",
					      "lifecycle %s does not let the portal's role (%s in "
					      "roles.conf) report",
					      t->lc->code, PA_PORTAL_ROLE);
			goto out;
		}
	}
	/* "intake = POST /api/v1/…": cases of this type come only from that endpoint, not
	 * from POST /api/v1/cases (fraud warnings and their visit tasks) */
	const char *intake = pa_conf_get(head, "intake", &kline);
	if (intake && *intake &&
	    (strncmp(intake, "POST /api/v1/", 13) != 0 ||
	     strcmp(intake, "POST /api/v1/cases") == 0)) {
		rc = pa_data_file_err(path, kline, "intake", "\"%s\" is not POST /api/v1/…",
				      intake);
		goto out;
	}
	t->intake = intake && *intake ? pa_strdup(a, intake) : NULL;
	/* "urgent_profile = P": named here, found once limits.conf is read */
	int uline = head->line;
	const char *up = pa_conf_get(head, "urgent_profile", &uline);
	t->urgent_profile_code = up && *up ? pa_strdup(a, up) : NULL;
	t->urgent_profile_line = uline;

	const struct pa_conf_section *cs = pa_conf_section(&cf, "categories");
	if (!cs || !cs->nrows) {
		rc = pa_data_file_err(path, cs ? cs->line : 1, "categories",
				      "a case type needs at least one category");
		goto out;
	}
	t->categories = pa_alloc(a, sizeof *t->categories * (size_t)cs->nrows);
	for (int i = 0; i < cs->nrows; i++) {
		const struct pa_conf_row *r = &cs->rows[i];
		if ((rc = need_cols(&cf, r, 3, 3, "categories")) ||
		    (rc = check_code(&cf, r->line, "code", r->tok[0])))
			goto out;
		if (pa_type_category(t, r->tok[0])) {
			rc = pa_data_file_err(path, r->line, "code", "category \"%s\" listed twice",
					      r->tok[0]);
			goto out;
		}
		struct pa_category *k = &t->categories[t->ncategories++];
		k->code = pa_strdup(a, r->tok[0]);
		k->name = pa_strdup(a, r->tok[1]);
		k->name_en = pa_strdup(a, r->tok[2]);
	}

	if ((rc = load_fields(c, &cf, pa_conf_section(&cf, "fields"), &t->fields, &t->nfields)) ||
	    (rc = load_watch(a, &cf, head, t)))
		goto out;
	/* [record KIND]: what an action with the "record" effect keeps (a mediation session, an
	 * agreement, a vote …): a name and its fields */
	int nrec = 0;
	for (int i = 0; i < cf.nsec; i++)
		nrec += strcmp(cf.sec[i].name, "record") == 0;
	t->records = pa_alloc(a, sizeof *t->records * (size_t)(nrec + 1));
	for (int i = 0; i < cf.nsec; i++) {
		const struct pa_conf_section *rs = &cf.sec[i];
		if (strcmp(rs->name, "record") != 0)
			continue;
		if (!rs->arg || (rc = check_code(&cf, rs->line, "record", rs->arg))) {
			rc = rc ? rc
				: pa_data_file_err(path, rs->line, "record",
						   "expected [record KIND]");
			goto out;
		}
		struct pa_record_spec *k = &t->records[t->nrecords];
		k->kind = pa_strdup(a, rs->arg);
		const char *rv;
		if ((rc = need_key(&cf, rs, "name", &rv)))
			goto out;
		k->name = pa_strdup(a, rv);
		if ((rc = need_key(&cf, rs, "name_en", &rv)))
			goto out;
		k->name_en = pa_strdup(a, rv);
		if ((rc = load_fields(c, &cf, rs, &k->fields, &k->nfields)))
			goto out;
		if ((rc = load_record_rules(a, &cf, rs, t->lc, k)))
			goto out;
		if (!pa_lifecycle_action(t->lc, k->kind)) {
			rc = pa_data_file_err(
				path, rs->line, "record",
				"no action \"%s\" in lifecycle %s to keep this record", k->kind,
				t->lc->code);
			goto out;
		}
		t->nrecords++;
	}
out:
	pa_conf_free(&cf);
	return rc;
}

/* ---- directory walking ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of dir/ *.conf paths (arena-owned); n gets the count. */
static enum pa_err list_conf(struct pa_arena *a, const char *dir, char ***out, int *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return pa_errf(PA_DATA_FILE, NULL, "%s: cannot open the directory", dir);
	int cap = 16;
	char **v = malloc(sizeof(char *) * (size_t)cap);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".conf") != 0 || e->d_name[0] == '.')
			continue;
		if (*n == cap)
			v = realloc(v, sizeof(char *) * (size_t)(cap *= 2));
		v[(*n)++] = pa_sprintf(a, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(v, (size_t)*n, sizeof *v, cmp_str);
	*out = pa_alloc(a, sizeof(char *) * (size_t)(*n + 1));
	memcpy(*out, v, sizeof(char *) * (size_t)*n);
	free(v);
	return PA_OK;
}

enum pa_err pa_catalog_load(const char *datadir, struct pa_catalog **out)
{
	*out = NULL;
	struct pa_catalog *c = calloc(1, sizeof *c);
	if (!c)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	pa_arena_init(&c->arena);
	enum pa_err rc;
	char **files;
	int n;

	if ((rc = pa_msgs_load(pa_sprintf(&c->arena, "%s/messages.conf", datadir))))
		goto fail;
	if ((rc = load_roles(c, pa_sprintf(&c->arena, "%s/roles.conf", datadir))))
		goto fail;

	if ((rc = load_channels(c, pa_sprintf(&c->arena, "%s/channels.conf", datadir))))
		goto fail;

	if ((rc = list_conf(&c->arena, pa_sprintf(&c->arena, "%s/lifecycles", datadir), &files,
			    &n)))
		goto fail;
	c->lifecycles = pa_alloc(&c->arena, sizeof *c->lifecycles * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		if ((rc = load_lifecycle(c, files[i], &c->lifecycles[i])))
			goto fail;
		for (int j = 0; j < i; j++)
			if (strcmp(c->lifecycles[j].code, c->lifecycles[i].code) == 0) {
				rc = pa_data_file_err(files[i], 1, "code",
						      "lifecycle \"%s\" also defined in %s",
						      c->lifecycles[i].code, files[j]);
				goto fail;
			}
		c->nlifecycles++;
	}

	if ((rc = list_conf(&c->arena, pa_sprintf(&c->arena, "%s/case-types", datadir), &files,
			    &n)))
		goto fail;
	if (!n) {
		rc = pa_errf(PA_DATA_FILE, NULL, "%s/case-types: no case types", datadir);
		goto fail;
	}
	c->types = pa_alloc(&c->arena, sizeof *c->types * (size_t)n);
	for (int i = 0; i < n; i++) {
		if ((rc = load_type(c, files[i], &c->types[i])))
			goto fail;
		if (pa_catalog_type(c, c->types[i].code)) {
			rc = pa_data_file_err(files[i], 1, "code", "case type \"%s\" defined twice",
					      c->types[i].code);
			goto fail;
		}
		c->ntypes++;
	}
	/* Limits and routing name case types, so they come after them. */
	if ((rc = load_limits(c, pa_sprintf(&c->arena, "%s/limits.conf", datadir))))
		goto fail;
	for (int i = 0; i < c->ntypes; i++) {
		struct pa_casetype *t = &c->types[i];
		if (t->urgent_profile_code &&
		    !(t->urgent_profile = pa_catalog_profile(c, t->urgent_profile_code))) {
			rc = pa_data_file_err(files[i], t->urgent_profile_line, "urgent_profile",
					      "no profile \"%s\" in limits.conf",
					      t->urgent_profile_code);
			goto fail;
		}
	}
	if ((rc = load_routing(c, pa_sprintf(&c->arena, "%s/routing.conf", datadir))) ||
	    (rc = pa_pwlist_load(pa_sprintf(&c->arena, "%s/common-passwords.txt", datadir),
				 &c->pwlist)))
		goto fail;
	*out = c;
	return PA_OK;
fail:
	pa_catalog_free(c);
	return rc;
}

void pa_catalog_free(struct pa_catalog *c)
{
	if (!c)
		return;
	pa_pwlist_free(c->pwlist);
	pa_arena_free(&c->arena);
	free(c);
}

const struct pa_role *pa_catalog_role(const struct pa_catalog *c, const char *code)
{
	for (int i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i].code, code) == 0)
			return &c->roles[i];
	return NULL;
}

const struct pa_channel *pa_catalog_channel(const struct pa_catalog *c, const char *code)
{
	for (int i = 0; i < c->nchannels; i++)
		if (strcmp(c->channels[i].code, code) == 0)
			return &c->channels[i];
	return NULL;
}

const struct pa_casetype *pa_catalog_type(const struct pa_catalog *c, const char *code)
{
	for (int i = 0; i < c->ntypes; i++)
		if (strcmp(c->types[i].code, code) == 0)
			return &c->types[i];
	return NULL;
}

const struct pa_record_spec *pa_type_record(const struct pa_casetype *t, const char *kind)
{
	for (int i = 0; t && i < t->nrecords; i++)
		if (strcmp(t->records[i].kind, kind) == 0)
			return &t->records[i];
	return NULL;
}

const struct pa_category *pa_type_category(const struct pa_casetype *t, const char *code)
{
	for (int i = 0; i < t->ncategories; i++)
		if (strcmp(t->categories[i].code, code) == 0)
			return &t->categories[i];
	return NULL;
}

int pa_lifecycle_state(const struct pa_lifecycle *lc, const char *code)
{
	for (int i = 0; i < lc->nstates; i++)
		if (strcmp(lc->states[i].code, code) == 0)
			return i;
	return -1;
}

const struct pa_action *pa_lifecycle_action(const struct pa_lifecycle *lc, const char *code)
{
	for (int i = 0; i < lc->nactions; i++)
		if (strcmp(lc->actions[i].code, code) == 0)
			return &lc->actions[i];
	return NULL;
}

bool pa_transition_applies(const struct pa_lifecycle *lc, const struct pa_transition *t, int from)
{
	if (t->from == from)
		return true;
	return t->from == PA_FROM_ANY && from >= 0 && lc->states[from].kind != PA_STATE_TERMINAL;
}

const struct pa_transition *pa_lifecycle_find(const struct pa_lifecycle *lc, const char *action,
					      int from)
{
	const struct pa_transition *any = NULL;
	for (int i = 0; i < lc->ntrans; i++) {
		const struct pa_transition *t = &lc->trans[i];
		if (strcmp(t->action->code, action) != 0)
			continue;
		if (t->from == from)
			return t;
		if (!any && pa_transition_applies(lc, t, from))
			any = t;
	}
	return any;
}
