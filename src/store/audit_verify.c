/* audit_verify.c: walking the audit chain with its key. Each row must sit at the next index
 * and carry the MAC of the row before it and a MAC of its own that the key reproduces; the
 * head and the checkpoints must verify and vouch for no row beyond the last. The first row
 * where that fails is reported with what most likely happened there. */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "store/store.h"

struct walk {
	const uint8_t *key;
	int64_t from;
	struct pa_audit_report *rep;
	struct pa_audit_marks marks;      /* a copy, its checkpoints malloc'd */
	int next_cp;                      /* the next checkpoint the walk will pass */
	int64_t expect;                   /* the index the next row must have */
	uint8_t prev[PA_AUDIT_MAC_BYTES]; /* the MAC the next row must chain to */
	enum pa_audit_alg alg;
	bool stopped;
	/* a row the row after it explains: one whose MAC failed while its link held (edited in
	 * place, or inserted before that row?), or a genuine row one index on (the row before
	 * it deleted, or the two swapped?) */
	enum { NONE, MAC_FAILED, ONE_ON } pending;
	int64_t pending_idx;
	uint8_t pending_prev[PA_AUDIT_MAC_BYTES]; /* the MAC the pending row had to follow */
	/* a problem with a mark (found before the walk), reported if no row before it is bad */
	enum pa_audit_problem mark_problem;
	int64_t mark_index;
	char mark_message[512];
};

const char *pa_audit_problem_name(enum pa_audit_problem p)
{
	static const char *const names[] = {"ok",        "edited",    "inserted", "deleted",
					    "truncated", "wrong key", "mark"};
	return p <= PA_AUDIT_MARK ? names[p] : "?";
}

static void report(struct walk *w, enum pa_audit_problem p, int64_t index, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct walk *w, enum pa_audit_problem p, int64_t index, const char *fmt, ...)
{
	w->stopped = true;
	w->rep->problem = p;
	w->rep->index = index;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->rep->message, sizeof w->rep->message, fmt, ap);
	va_end(ap);
}

static void mark_problem(struct walk *w, enum pa_audit_problem p, int64_t index, const char *msg)
{
	if (w->mark_problem && w->mark_index <= index)
		return;
	w->mark_problem = p;
	w->mark_index = index;
	snprintf(w->mark_message, sizeof w->mark_message, "%s", msg);
}

static bool mark_ok(struct walk *w, const char *kind, const struct pa_audit_mark *m)
{
	uint8_t tag[PA_AUDIT_MAC_BYTES];
	return w->alg && pa_audit_mark_tag(w->alg, w->key, kind, m->idx, m->mac, tag) == PA_OK &&
	       sodium_memcmp(tag, m->tag, sizeof tag) == 0;
}

static int64_t start(void *arg, const struct pa_audit_marks *m)
{
	struct walk *w = arg;
	w->marks = *m;
	size_t n = sizeof *m->checkpoints * (size_t)m->ncheckpoints;
	w->marks.checkpoints = n ? malloc(n) : NULL;
	if (n && w->marks.checkpoints)
		memcpy(w->marks.checkpoints, m->checkpoints, n);
	else
		w->marks.ncheckpoints = 0;
	w->alg = pa_audit_alg_from(m->alg);
	w->rep->head = m->has_head ? m->head.idx : 0;
	w->rep->ncheckpoints = m->ncheckpoints;
	w->expect = 1;
	memset(w->prev, 0, sizeof w->prev);
	/* from a checkpoint: the last one before `from` whose own MAC holds */
	for (int i = m->ncheckpoints - 1; w->from > 1 && i >= 0; i--) {
		const struct pa_audit_mark *c = &m->checkpoints[i];
		if (c->idx < w->from && mark_ok(w, "checkpoint", c)) {
			w->expect = c->idx + 1;
			memcpy(w->prev, c->mac, sizeof w->prev);
			break;
		}
	}
	w->rep->first = w->expect;
	w->next_cp = 0;
	while (w->next_cp < m->ncheckpoints && m->checkpoints[w->next_cp].idx < w->expect)
		w->next_cp++;
	return w->expect;
}

static bool mac_at(struct walk *w, const struct pa_audit_row *r, int64_t idx,
		   const uint8_t prev[PA_AUDIT_MAC_BYTES], uint8_t out[PA_AUDIT_MAC_BYTES])
{
	struct pa_audit_row x = *r;
	x.idx = idx;
	return pa_audit_mac(w->alg, w->key, prev, &x, out) == PA_OK;
}

static bool same(const uint8_t a[PA_AUDIT_MAC_BYTES], const uint8_t b[PA_AUDIT_MAC_BYTES])
{
	return sodium_memcmp(a, b, PA_AUDIT_MAC_BYTES) == 0;
}

/* The chain's first row: what it was chained with, and whether this is that key. */
static bool first_row(struct walk *w, const struct pa_audit_row *r)
{
	json_t *d = json_loads(r->detail, 0, NULL);
	const char *alg = json_string_value(json_object_get(d, "alg"));
	const char *id = json_string_value(json_object_get(d, "key_id"));
	enum pa_audit_alg a = pa_audit_alg_from(alg);
	char mine[17];
	pa_audit_key_id(w->key, mine);
	bool ok = false;
	if (strcmp(r->action, "audit.start") != 0 || !a || !id)
		report(w, PA_AUDIT_EDITED, 1,
		       "row 1: edited: it is not the start of an audit chain (action %.60s)",
		       r->action);
	else if (!pa_audit_alg_available(a))
		report(w, PA_AUDIT_WRONG_KEY, 1,
		       "row 1: the log is chained with %s, which this pingan cannot compute", alg);
	else if (strcmp(id, mine) != 0)
		report(w, PA_AUDIT_WRONG_KEY, 1,
		       "row 1: wrong key: the log was chained with key %.16s, the key given is "
		       "%s",
		       id, mine);
	else {
		if (w->alg && w->alg != a)
			mark_problem(w, PA_AUDIT_MARK, 1,
				     "the head names another algorithm than the log's first row");
		w->alg = a;
		ok = true;
	}
	json_decref(d);
	return ok;
}

/* The row after a row whose MAC failed with its link intact: if it links to the row
 * before that one (and its MAC holds one index down), that row was slipped in. */
static void settle_pending(struct walk *w, const struct pa_audit_row *next)
{
	uint8_t m[PA_AUDIT_MAC_BYTES];
	int64_t k = w->pending_idx;
	/* the row after it is the one written at k, after the row before */
	bool written_at_k = next && next->idx == k + 1 && same(next->prev, w->pending_prev) &&
			    mac_at(w, next, k, next->prev, m) && same(m, next->mac);
	bool one_on = w->pending == ONE_ON;
	w->pending = NONE;
	if (one_on && written_at_k)
		report(w, PA_AUDIT_EDITED, k, "row %lld: edited: rows %lld and %lld are swapped",
		       (long long)k, (long long)k, (long long)k + 1);
	else if (one_on)
		report(w, PA_AUDIT_DELETED, k,
		       "row %lld: deleted: the row now at %lld was written as row %lld, and the "
		       "rows after it moved up",
		       (long long)k, (long long)k, (long long)k + 1);
	else if (written_at_k)
		report(w, PA_AUDIT_INSERTED, k,
		       "row %lld: inserted: pingan did not write it (the row after it was "
		       "written as row %lld, after row %lld)",
		       (long long)k, (long long)k, (long long)k - 1);
	else if (w->marks.has_head && k > w->marks.head.idx)
		report(w, PA_AUDIT_INSERTED, k,
		       "row %lld: inserted: it lies past the head (%lld rows) and pingan did not "
		       "write it",
		       (long long)k, (long long)w->marks.head.idx);
	else if (!next && !(w->marks.has_head && mark_ok(w, "head", &w->marks.head)))
		report(w, PA_AUDIT_INSERTED, k,
		       "row %lld: inserted: pingan did not write it, and the head that would vouch "
		       "for it does not verify",
		       (long long)k);
	else
		report(w, PA_AUDIT_EDITED, k,
		       "row %lld: edited: its content does not match its MAC", (long long)k);
}

static enum pa_err row(void *arg, const struct pa_audit_row *r)
{
	struct walk *w = arg;
	if (w->stopped)
		return PA_OK;
	if (w->pending) {
		settle_pending(w, r);
		return PA_OK;
	}
	int64_t k = w->expect;
	if (r->idx > k) {
		report(w, PA_AUDIT_DELETED, k,
		       r->idx == k + 1
			       ? "row %lld: deleted: the log goes from row %lld to row %lld"
			       : "row %lld: deleted: the log goes from row %lld to row %lld "
				 "(rows between are gone)",
		       (long long)k, (long long)k - 1, (long long)r->idx);
		return PA_OK;
	}
	if (r->idx < k) {
		report(w, PA_AUDIT_INSERTED, r->idx, "row %lld: inserted: the index appears twice",
		       (long long)r->idx);
		return PA_OK;
	}
	if (k == 1 && !first_row(w, r))
		return PA_OK;
	if (!w->alg) {
		report(w, PA_AUDIT_MARK, 0, "the log names no algorithm this pingan knows (%s)",
		       w->marks.alg);
		return PA_OK;
	}
	uint8_t m[PA_AUDIT_MAC_BYTES];
	if (!mac_at(w, r, k, w->prev, m))
		return pa_err_last()->code;
	if (!same(r->prev, w->prev)) {
		/* a row genuine in itself, written one index on: the row before it is gone, or
		 * the two were swapped */
		if (mac_at(w, r, k + 1, r->prev, m) && same(m, r->mac)) {
			w->pending = ONE_ON;
			w->pending_idx = k;
			memcpy(w->pending_prev, w->prev, sizeof w->pending_prev);
		}
		/* … or one index back: a row was copied in before it */
		else if (mac_at(w, r, k - 1, r->prev, m) && same(m, r->mac))
			report(w, PA_AUDIT_INSERTED, k,
			       "row %lld: inserted: row %lld stands twice, the rows after it moved "
			       "down",
			       (long long)k, (long long)k - 1);
		else
			report(w, PA_AUDIT_EDITED, k,
			       "row %lld: edited: it does not follow from the row before it",
			       (long long)k);
		return PA_OK;
	}
	if (!same(m, r->mac)) {
		w->pending = MAC_FAILED;
		w->pending_idx = k;
		memcpy(w->pending_prev, r->prev, sizeof w->pending_prev);
		return PA_OK;
	}
	const struct pa_audit_marks *ms = &w->marks;
	if (w->next_cp < ms->ncheckpoints && ms->checkpoints[w->next_cp].idx == k) {
		const struct pa_audit_mark *c = &ms->checkpoints[w->next_cp++];
		if (!mark_ok(w, "checkpoint", c) || !same(c->mac, r->mac)) {
			char msg[160];
			snprintf(msg, sizeof msg,
				 "the checkpoint at row %lld does not verify: edited, or made "
				 "with another key",
				 (long long)k);
			mark_problem(w, PA_AUDIT_MARK, k, msg);
		}
	}
	memcpy(w->prev, r->mac, sizeof w->prev);
	w->expect = k + 1;
	w->rep->last = k;
	return PA_OK;
}

/* After the last row: what the head and the checkpoints vouch for must be there. */
static void finish(struct walk *w)
{
	const struct pa_audit_marks *m = &w->marks;
	int64_t last = w->expect - 1;
	if (w->pending)
		settle_pending(w, NULL);
	if (w->stopped)
		return;
	if (last == 0 && w->rep->first == 1) {
		report(w, PA_AUDIT_TRUNCATED, 1,
		       "row 1: truncated: the log is empty, its first row is gone");
		return;
	}
	/* a checkpoint past the end was made when the log was longer */
	for (int i = w->next_cp; i < m->ncheckpoints; i++)
		if (m->checkpoints[i].idx > last && mark_ok(w, "checkpoint", &m->checkpoints[i])) {
			report(w, PA_AUDIT_TRUNCATED, last + 1,
			       "row %lld: truncated: the log ends at row %lld, but a checkpoint "
			       "vouches for row %lld",
			       (long long)last + 1, (long long)last,
			       (long long)m->checkpoints[i].idx);
			return;
		}
	/* a head gone, or one that ends where the rows end and yet does not verify, was
	 * deleted or rewritten to hide rows cut from the end */
	if (!m->has_head) {
		report(w, PA_AUDIT_TRUNCATED, last + 1,
		       "row %lld: truncated: the head (how many rows the log holds) is gone, so "
		       "rows after row %lld may have been cut",
		       (long long)last + 1, (long long)last);
		return;
	}
	if (!mark_ok(w, "head", &m->head)) {
		if (m->head.idx == last && same(m->head.mac, w->prev))
			report(w, PA_AUDIT_TRUNCATED, last + 1,
			       "row %lld: truncated: the head was rewritten to end at row %lld "
			       "and does not verify: rows after it were cut",
			       (long long)last + 1, (long long)last);
		else
			report(w, PA_AUDIT_MARK, 0,
			       "the head (how many rows the log holds) does not verify: edited");
		return;
	}
	if (m->head.idx > last)
		report(w, PA_AUDIT_TRUNCATED, last + 1,
		       "row %lld: truncated: the log ends at row %lld, but its head says it holds "
		       "%lld rows",
		       (long long)last + 1, (long long)last, (long long)m->head.idx);
	else if (m->head.idx < last)
		report(w, PA_AUDIT_INSERTED, m->head.idx + 1,
		       "row %lld: inserted: the head says the log holds %lld rows, but it goes on "
		       "to row %lld",
		       (long long)m->head.idx + 1, (long long)m->head.idx, (long long)last);
	else if (!same(m->head.mac, w->prev))
		report(w, PA_AUDIT_MARK, last, "the head does not name the last row's MAC");
}

enum pa_err pa_audit_verify(struct pa_db *db, const uint8_t key[PA_AUDIT_KEY_BYTES], int64_t from,
			    struct pa_audit_report *out)
{
	memset(out, 0, sizeof *out);
	pa_audit_key_id(key, out->key_id);
	struct walk w = {.key = key, .from = from, .rep = out};
	struct pa_audit_reader r = {.start = start, .row = row, .arg = &w};
	enum pa_err e = db->ops->audit_read(db, &r);
	if (!e)
		finish(&w);
	/* a bad mark before the first bad row (or where no row is named) is the first problem */
	if (!e && w.mark_problem && (!out->problem || !out->index || w.mark_index < out->index)) {
		out->problem = w.mark_problem;
		out->index = w.mark_index;
		snprintf(out->message, sizeof out->message, "%s", w.mark_message);
	}
	free(w.marks.checkpoints);
	out->alg = w.alg;
	return e;
}
