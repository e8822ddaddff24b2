/* test_queues.c: the kind of action each transition of the shipped lifecycles is (queues.c,
 * judged from phases, state kinds and effects alone) — the main line of each lifecycle in
 * its queue, the actions beside it in none, and every state a case can wait in with an
 * action of some queue for some role, so that no open case is in nobody's queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "service/internal.h"

static struct pa_catalog *cat;

static int setup(void **st)
{
	(void)st;
	return pa_catalog_load("data", &cat) ? -1 : 0;
}

static int teardown(void **st)
{
	(void)st;
	pa_catalog_free(cat);
	return 0;
}

/* The queue of action `action` taken in state `state` of lifecycle `lc` ("" for none). */
static const char *queue_of(const char *lifecycle, const char *action, const char *state)
{
	const struct pa_lifecycle *lc = NULL;
	for (int i = 0; i < cat->nlifecycles; i++)
		if (strcmp(cat->lifecycles[i].code, lifecycle) == 0)
			lc = &cat->lifecycles[i];
	assert_non_null(lc);
	int from = pa_lifecycle_state(lc, state);
	assert_true(from >= 0);
	const struct pa_transition *tr = pa_lifecycle_find(lc, action, from);
	assert_non_null(tr);
	const char *q = pa_queue_of(lc, tr, from);
	return q ? q : "";
}

static void test_main_lines(void **st)
{
	(void)st;
	static const char *const want[][4] = {
		{"standard", "accept", "reported", "to_accept"},
		{"standard", "reject", "reported", "to_accept"},
		{"standard", "dispatch", "accepted", "to_dispatch"},
		{"standard", "route", "accepted", "to_dispatch"},
		{"standard", "sign", "dispatched", "to_sign"},
		{"standard", "feedback", "handling", "in_hand"},
		{"standard", "suspend", "handling", "in_hand"},
		{"standard", "resume", "suspended", "in_hand"},
		{"standard", "verify_pass", "verifying", "to_verify"},
		{"standard", "verify_fail", "verifying", "to_verify"},
		{"standard", "callback", "closed", "callback"},
		{"standard", "archive", "closed", "to_close"},
		{"standard", "reopen", "closed", "to_close"},
		/* beside the line: they change hands or state the case's condition */
		{"standard", "reroute", "dispatched", ""},
		{"standard", "route", "dispatched", ""},
		{"standard", "send_back", "dispatched", ""},
		{"standard", "report_up", "handling", ""},
		{"standard", "transfer", "handling", ""},
		{"standard", "merge", "reported", ""},
		{"standard", "handle", "handling", ""},
		{"standard", "supervise", "handling", ""},
		{"standard", "urgent_on", "accepted", ""},
		{"petition", "accept", "registered", "to_accept"},
		{"petition", "refer_reconsideration", "registered", "to_accept"},
		{"petition", "assign", "accepted", "to_dispatch"},
		/* referred from the work, the referral recorded: part of it */
		{"petition", "refer_reconsideration", "accepted", "in_hand"},
		/* waiting for the reconsideration's decision: recording it is the work */
		{"petition", "reconsideration_result", "reconsideration", "in_hand"},
		/* the agency a case was transferred to records and answers in its hands */
		{"standard", "agency_reply", "transferred", "in_hand"},
		{"petition", "sign", "assigned", "to_sign"},
		{"petition", "reply", "handling", "in_hand"},
		{"petition", "reply_review", "review", "to_verify"},
		{"petition", "conclude", "replied", "to_close"},
		{"resident", "accept", "raised", "to_accept"},
		{"resident", "vote", "deliberating", "in_hand"},
		{"resident", "publish", "doing", "in_hand"},
		{"resident", "archive", "published", "to_close"},
		/* a visit task is done, not signed for: the grid worker's 待签收 stays empty */
		{"visit", "confirm", "assigned", "in_hand"},
		{"visit", "archive", "confirmed", "to_close"},
		{"warning", "complete", "issued", "in_hand"},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *got = queue_of(want[i][0], want[i][1], want[i][2]);
		if (strcmp(got, want[i][3]) != 0)
			fail_msg("%s %s in %s: queue \"%s\", want \"%s\"", want[i][0], want[i][1],
				 want[i][2], got, want[i][3]);
	}
}

/* Every state that is not terminal has an action of some queue some role may take. */
static void test_no_state_without_a_queue(void **st)
{
	(void)st;
	for (int l = 0; l < cat->nlifecycles; l++) {
		const struct pa_lifecycle *lc = &cat->lifecycles[l];
		for (int s = 0; s < lc->nstates; s++) {
			if (lc->states[s].kind == PA_STATE_TERMINAL)
				continue;
			bool any = false;
			for (int t = 0; t < lc->ntrans && !any; t++)
				any = lc->trans[t].roles &&
				      pa_transition_applies(lc, &lc->trans[t], s) &&
				      pa_queue_of(lc, &lc->trans[t], s);
			if (!any)
				fail_msg("%s: state %s is in no queue", lc->code,
					 lc->states[s].code);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_lines),
		cmocka_unit_test(test_no_state_without_a_queue),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
