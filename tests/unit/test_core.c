/* test_core.c: unit tests of the core modules — errors, arena, data-file parser,
 * catalog validation, geometry, personal-data checks and the search fold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/catalog.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/gate.h"
#include "core/geo.h"
#include "core/jspec.h"
#include "core/jw.h"
#include "core/log.h"
#include "core/msgs.h"
#include "core/pii.h"
#include "core/text.h"
#include "service/app.h"

static void test_gate(void **st)
{
	(void)st;
	static struct pa_gate g = PA_GATE_INIT(2);
	assert_true(pa_gate_enter(&g, 0));
	assert_true(pa_gate_enter(&g, 0));
	assert_false(pa_gate_enter(&g, 0)); /* full: turned away, not kept */
	assert_false(pa_gate_enter(&g, 1)); /* nobody left within the second */
	pa_gate_leave(&g);
	assert_true(pa_gate_enter(&g, 0));
	pa_gate_leave(&g);
	pa_gate_leave(&g);
	assert_int_equal(g.free, 2);
}

static void test_err_table(void **st)
{
	(void)st;
	assert_int_equal(PA_OK, 0);
	assert_string_equal(pa_err_name(PA_NOT_FOUND), "NOT_FOUND");
	assert_int_equal(pa_err_status(PA_NOT_FOUND), 404);
	assert_int_equal(pa_err_status(PA_ACTION_NOT_ALLOWED), 409);
	assert_int_equal(pa_err_status(PA_STORE_IO), 503);
	assert_int_equal(pa_errf(PA_BAD_FIELD, "lng", "bad %d", 7), PA_BAD_FIELD);
	assert_string_equal(pa_err_last()->message, "bad 7");
	assert_string_equal(pa_err_last()->field, "lng");
	pa_err_clear();
	assert_int_equal(pa_err_last()->code, PA_OK);
}

static void test_arena(void **st)
{
	(void)st;
	struct pa_arena a;
	pa_arena_init(&a);
	char *s = pa_strdup(&a, "平安");
	assert_string_equal(s, "平安");
	char *big = pa_alloc(&a, 100000); /* bigger than a block */
	big[99999] = 1;
	char *f = pa_sprintf(&a, "%s-%d", "PA", 42);
	assert_string_equal(f, "PA-42");
	assert_true(((uintptr_t)pa_alloc(&a, 3) % _Alignof(max_align_t)) == 0);
	pa_arena_free(&a);
	pa_arena_free(&a); /* NULL-safe and repeatable */
}

static void test_conf_parse(void **st)
{
	(void)st;
	const char *text = "# comment\n[type]\ncode = dispute\nname = 矛盾 纠纷\n\n"
			   "[states]\nreported initial 已上报 \"Reported case\"\nx - y z\n";
	struct pa_conf c;
	assert_int_equal(pa_conf_parse("t.conf", text, strlen(text), &c), PA_OK);
	assert_int_equal(c.nsec, 2);
	assert_string_equal(pa_conf_get(pa_conf_section(&c, "type"), "name", NULL), "矛盾 纠纷");
	const struct pa_conf_section *s = pa_conf_section(&c, "states");
	assert_int_equal(s->nrows, 2);
	assert_int_equal(s->rows[0].line, 7);
	assert_int_equal(s->rows[0].ntok, 4);
	assert_string_equal(s->rows[0].tok[3], "Reported case");
	assert_string_equal(s->rows[1].tok[1], "");
	pa_conf_free(&c);

	const char *bad[] = {"row before section\n", "[unterminated\n", "[s]\na \"open\n",
			     "[s]\nx \"a\"b\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(pa_conf_parse("b.conf", bad[i], strlen(bad[i]), &c), PA_DATA_FILE);
		assert_non_null(strstr(pa_err_last()->message, "b.conf:"));
		pa_conf_free(&c);
	}
}

/* A scratch data directory with the shipped files, one of which a test may break. */
static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void copy_data(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pingan-data-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp -r data/. %s/", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void rm_data(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void test_catalog_shipped(void **st)
{
	(void)st;
	struct pa_catalog *c;
	assert_int_equal(pa_catalog_load("data", &c), PA_OK);
	assert_non_null(pa_catalog_role(c, "grid_worker"));
	assert_int_equal(pa_catalog_role(c, "mediator")->scope, PA_SCOPE_UNIT);
	const struct pa_casetype *t = pa_catalog_type(c, "dispute");
	assert_non_null(t);
	assert_non_null(pa_type_category(t, "neighbour"));
	const struct pa_lifecycle *lc = t->lc;
	int rep = pa_lifecycle_state(lc, "reported");
	const struct pa_transition *acc = pa_lifecycle_find(lc, "accept", rep);
	assert_non_null(acc);
	assert_true(pa_role_may(acc, pa_catalog_role(c, "town_staff")));
	assert_false(pa_role_may(acc, pa_catalog_role(c, "auditor")));
	assert_true(pa_role_can(pa_catalog_role(c, "city_admin"), PA_PERM_ROUTING_ADMIN));
	assert_true(pa_role_can(pa_catalog_role(c, "auditor"), PA_PERM_ROUTING_READ));
	assert_false(pa_role_can(pa_catalog_role(c, "auditor"), PA_PERM_ROUTING_ADMIN));
	assert_false(pa_role_can(pa_catalog_role(c, "grid_worker"), PA_PERM_ROUTING_READ));
	/* separation of duties: each of the three administrators holds one duty alone */
	const struct pa_role *sys = pa_catalog_role(c, "sys_admin"),
			     *sec = pa_catalog_role(c, "sec_admin"),
			     *aud = pa_catalog_role(c, "auditor");
	assert_int_equal(sys->duty, PA_DUTY_SYSTEM);
	assert_int_equal(sec->duty, PA_DUTY_SECURITY);
	assert_int_equal(aud->duty, PA_DUTY_AUDIT);
	assert_int_equal(sys->scope, PA_SCOPE_NONE);
	assert_int_equal(sec->scope, PA_SCOPE_NONE);
	assert_true(pa_role_can(sys, PA_PERM_USERS_ADMIN) &&
		    pa_role_can(sys, PA_PERM_ROUTING_ADMIN));
	assert_false(pa_role_can(sys, PA_PERM_SECURITY_ADMIN) ||
		     pa_role_can(sys, PA_PERM_AUDIT_READ));
	assert_true(pa_role_can(sec, PA_PERM_SECURITY_ADMIN));
	assert_false(pa_role_can(sec, PA_PERM_USERS_ADMIN) || pa_role_can(sec, PA_PERM_AUDIT_READ));
	assert_true(pa_role_can(aud, PA_PERM_AUDIT_READ));
	assert_false(pa_role_can(aud, PA_PERM_USERS_ADMIN) ||
		     pa_role_can(aud, PA_PERM_SECURITY_ADMIN));
	/* every role is staff: every one must use a second factor */
	for (int i = 0; i < c->nroles; i++)
		assert_false(c->roles[i].totp_optional);
	assert_true(pa_pwlist_count(c->pwlist) > 500);
	assert_null(pa_lifecycle_find(lc, "verify_pass", rep));
	assert_non_null(pa_lifecycle_find(lc, "report", PA_FROM_CREATE));
	assert_int_equal(lc->states[rep].phase, PA_PHASE_ACCEPT);
	assert_int_equal(lc->states[pa_lifecycle_state(lc, "suspended")].kind, PA_STATE_WAITING);
	/* "*" applies in any state that is not terminal; "=" stays */
	int handling = pa_lifecycle_state(lc, "handling");
	const struct pa_transition *urg = pa_lifecycle_find(lc, "urgent_on", handling);
	assert_non_null(urg);
	assert_int_equal(urg->from, PA_FROM_ANY);
	assert_int_equal(pa_transition_target(urg, handling), handling);
	assert_null(pa_lifecycle_find(lc, "urgent_on", pa_lifecycle_state(lc, "archived")));
	assert_int_equal(pa_lifecycle_action(lc, "dispatch")->effect, PA_EFFECT_ASSIGN);
	assert_true(pa_lifecycle_action(lc, "send_back")->needs & PA_NEED_HOLDER);
	const char *words[PA_MAX_NEEDS];
	int n = pa_needs_words(pa_lifecycle_action(lc, "apply_extension")->needs, words);
	assert_int_equal(n, 3);
	assert_string_equal(words[0], "note");
	/* who may not act: the call-back is neither the reporter's nor the handler's, the
	 * take-over is a unit above's */
	n = pa_needs_words(pa_lifecycle_action(lc, "callback")->needs, words);
	assert_int_equal(n, 3);
	assert_string_equal(words[1], "not_reporter");
	assert_string_equal(words[2], "not_handler");
	assert_true(pa_lifecycle_action(lc, "verify_pass")->needs & PA_NEED_NOT_HANDLER);
	assert_true(pa_lifecycle_action(lc, "accept")->needs & PA_NEED_HOLDER);
	assert_int_equal(pa_lifecycle_action(lc, "take_over")->effect, PA_EFFECT_TAKE_OVER);
	assert_true(pa_lifecycle_action(lc, "take_over")->needs & PA_NEED_ABOVE);
	assert_non_null(pa_catalog_role(c, "dept_staff"));
	/* a hazard's 整改期限 is watched until the rectification is reported done */
	const struct pa_casetype *hz = pa_catalog_type(c, "hazard");
	assert_non_null(hz->watch);
	assert_string_equal(hz->watch->code, "rectify_by");
	assert_string_equal(hz->watch_step, "整改逾期督办");
	assert_null(t->watch);
	assert_true(pa_state_watched(lc, rep));
	assert_true(pa_state_watched(lc, pa_lifecycle_state(lc, "suspended")));
	assert_false(pa_state_watched(lc, pa_lifecycle_state(lc, "verifying")));
	assert_false(pa_state_watched(lc, pa_lifecycle_state(lc, "closed")));
	assert_false(pa_state_watched(lc, pa_lifecycle_state(lc, "archived")));
	pa_catalog_free(c);
}

#define LC_HEAD "[lifecycle]\ncode = standard\nname = b\ndone = a\n"
#define LC_OK                                                                                   \
	LC_HEAD "[states]\na initial accept A A\nb terminal - B B\n[actions]\nreport R R - -\n" \
		"go G G - -\n[transitions]\nreport - a city_admin\n"

/* A hazard type whose [type] section goes on after line 5, and its fields. */
#define HAZARD_HEAD "[type]\ncode = hazard\nname = h\nname_en = H\nlifecycle = standard\n"
#define HAZARD_FIELDS                                           \
	"[categories]\nx X X\n[fields]\nby date optional B B\n" \
	"party text optional P P\n"

/* A record with fields of each kind a rule may name (lines 11–18 after HAZARD_HEAD and
 * HAZARD_FIELDS). */
#define REC                                                                                      \
	"[record mediation_session]\nname = m\nname_en = M\nn int required N N\n"                \
	"m int optional M M\non date required,past O O\nt text optional T T\nc choice optional " \
	"C C x|y\n"

/* Each broken file must be refused with its name, line and field. */
static void test_catalog_broken(void **st)
{
	(void)st;
	struct {
		const char *file, *text, *expect;
	} cases[] = {
		{"lifecycles/standard.conf", LC_OK "go a bb city_admin\n",
		 "standard.conf:13: to: unknown state \"bb\""},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\nb final - B B\n",
		 "standard.conf:7: kind:"},
		{"lifecycles/standard.conf", LC_HEAD "[states]\na initial later A A\n",
		 "standard.conf:6: phase:"},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\nb terminal handle B B\n",
		 "standard.conf:7: phase: a terminal state runs no clock"},
		{"lifecycles/standard.conf", LC_OK "go a a city_admin\n",
		 "standard.conf:5: phases: state a runs the accept phase: name it in [phases]"},
		{"lifecycles/standard.conf", LC_OK "[phases]\naccept 受理 Acceptance\nlater L L\n",
		 "standard.conf:15: phase: \"later\" is not accept, handle or verify"},
		{"lifecycles/standard.conf",
		 LC_OK "[phases]\naccept 受理 Acceptance\naccept 受理 Acceptance\n",
		 "standard.conf:15: phase: phase \"accept\" listed twice"},
		{"lifecycles/standard.conf", LC_OK "go a b nobody\n",
		 "standard.conf:13: roles: unknown role \"nobody\""},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R - teleport\n",
		 "standard.conf:8: effect: unknown effect \"teleport\""},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R - - glory\n",
		 "standard.conf:8: counts: \"glory\" is not one of"},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R wings -\n",
		 "standard.conf:8: needs:"},
		{"lifecycles/standard.conf", LC_OK "report - = city_admin\n",
		 "standard.conf:13: to: the creating transition needs a state"},
		{"lifecycles/standard.conf", LC_OK "go b a city_admin\n",
		 "standard.conf:13: from: state \"b\" is terminal"},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R - assign\n",
		 "standard.conf:8: needs: the effect assign needs \"unit\""},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R note take_over\n",
		 "standard.conf:8: needs: the effect take_over needs \"above\""},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R holder,above -\n",
		 "standard.conf:8: needs: \"holder\" and \"above\" exclude each other"},
		{"lifecycles/standard.conf",
		 LC_HEAD "[states]\na initial accept A A\n[actions]\nreport R R not_owner -\n",
		 "standard.conf:8: needs: \"not_owner\" is not one of"},
		{"case-types/hazard.conf",
		 "[type]\ncode = hazard\nname = h\nname_en = H\nlifecycle = nope\n[categories]\nx "
		 "X X\n",
		 "hazard.conf:5: lifecycle: unknown lifecycle \"nope\""},
		{"case-types/hazard.conf",
		 "[type]\ncode = hazard\nname = h\nname_en = H\nlifecycle = "
		 "standard\n[categories]\nx "
		 "X X\n"
		 "[fields]\nf float optional F F\n",
		 "hazard.conf:9: type:"},
		{"case-types/hazard.conf",
		 "[type]\ncode = hazard\nname = h\nname_en = H\nintake = by pigeon\nlifecycle = "
		 "standard\n[categories]\nx X X\n",
		 "hazard.conf:5: intake:"},
		{"case-types/hazard.conf", HAZARD_HEAD "watch = due\n" HAZARD_FIELDS,
		 "hazard.conf:6: watch: no field \"due\" in [fields]"},
		{"case-types/hazard.conf", HAZARD_HEAD "watch = party\n" HAZARD_FIELDS,
		 "hazard.conf:6: watch: field \"party\" is text, not a date"},
		{"case-types/hazard.conf", HAZARD_HEAD "watch_step = 逾期\n" HAZARD_FIELDS,
		 "hazard.conf:6: watch_step: names the mark of a watched date"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = n <= nobody\n",
		 "hazard.conf:19: rule: no field \"nobody\" in this record"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = n <= t\n",
		 "hazard.conf:19: rule: field \"t\" is text"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = n => m\n",
		 "hazard.conf:19: rule: expected LEFT OP RIGHT"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = on >= n\n",
		 "hazard.conf:19: rule: a date compares with a date only"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = n >= 2/0 m\n",
		 "hazard.conf:19: rule: \"2/0\" is not a fraction"},
		{"case-types/hazard.conf",
		 HAZARD_HEAD HAZARD_FIELDS REC "rule = n >= m when c = z\n",
		 "hazard.conf:19: rule: \"z\" is not a choice of c"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "rule = n m >= 1\n",
		 "hazard.conf:19: rule: expected + before \"m\""},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "fail_to = handling\n",
		 "hazard.conf:19: fail_to: says where a record that does not pass leads"},
		{"case-types/hazard.conf",
		 HAZARD_HEAD HAZARD_FIELDS REC "pass = n > m\nfail_to = x\n",
		 "hazard.conf:20: fail_to: no state \"x\" in lifecycle standard"},
		{"case-types/hazard.conf", HAZARD_HEAD HAZARD_FIELDS REC "quorum = 3\n",
		 "hazard.conf:19: quorum: a record takes name, name_en, rule"},
		{"case-types/hazard.conf",
		 HAZARD_HEAD HAZARD_FIELDS "[record mediation_session]\nname = m\nname_en = M\n"
					   "t text required,past T T\n",
		 "hazard.conf:14: required: only a date can be past"},
		{"case-types/hazard.conf",
		 HAZARD_HEAD HAZARD_FIELDS "[record mediation_session]\nname = m\nname_en = M\n"
					   "on date sometimes,past T T\n",
		 "hazard.conf:14: required: \"sometimes,past\" is not required or optional"},
		{"roles.conf", "[roles]\nboss galaxy B B\n", "roles.conf:2: scope:"},
		{"roles.conf", "[roles]\nboss region B B\n",
		 "roles.conf:1: permissions: routing_read is not listed"},
		{"roles.conf",
		 "[roles]\nboss region B B\n[permissions]\nrouting_read boss\nrouting_admin "
		 "boss,king\n",
		 "roles.conf:5: roles: unknown role \"king\""},
		{"roles.conf", "[roles]\nboss region B B\n[permissions]\nfly boss\n",
		 "roles.conf:4: permission: unknown permission \"fly\""},
		{"roles.conf",
		 "[roles]\nboss none B B\n[permissions]\nrouting_read -\nrouting_admin -\n"
		 "users_admin boss\nsecurity_admin -\naudit_read boss\n",
		 "roles.conf:8: permissions: audit_read would give boss both system administration "
		 "and audit"},
		{"roles.conf",
		 "[roles]\nboss none B B\n[permissions]\nrouting_read -\nrouting_admin -\n"
		 "users_admin -\nsecurity_admin boss\naudit_read -\npii_reveal "
		 "-\nunits_admin -\n[totp]\nsometimes boss\n",
		 "roles.conf:12: totp: \"sometimes\" is not required or optional"},
		{"roles.conf",
		 "[roles]\nboss none B B\n[permissions]\nrouting_read -\nrouting_admin -\n"
		 "users_admin -\nsecurity_admin boss\naudit_read -\npii_reveal -\nunits_admin "
		 "-\n[totp]\nrequired boss\n"
		 "optional boss\n",
		 "roles.conf:13: roles: a role is listed twice in [totp]"},
		{"limits.conf", "[profile ordinary]\nbasis = b\nvillage accept 1 2\n",
		 "limits.conf:1: unit: missing"},
		{"limits.conf", "[profile ordinary]\nunit = weeks\nbasis = b\n",
		 "limits.conf:2: unit: \"weeks\" is not working_days or calendar_days"},
		{"limits.conf", "[profile ordinary]\nunit = calendar_days\n",
		 "limits.conf:1: basis: missing"},
		{"limits.conf", "[profile ordinary]\nunit = calendar_days\nbasis = b\nspeed = 3\n",
		 "limits.conf:4: speed: only escalate, unit and basis"},
		{"limits.conf",
		 "[profile ordinary]\nunit = calendar_days\nbasis = b\nvillage accept 1 2w\n",
		 "limits.conf:4: red: \"2w\" is not N"},
		{"limits.conf",
		 "[profile ordinary]\nunit = calendar_days\nbasis = b\nvillage accept 1wd 2\n",
		 "limits.conf:4: red: the red limit must come after the yellow one, in the same"},
		{"routing.conf", "[rules]\nr - - - - tier:town city ordinary\n",
		 "routing.conf:2: tier: a case sent to the town centre"},
		{"routing.conf", "[rules]\nr - - - - tier:town town ordinary\n[extra]\n",
		 "routing.conf:3: section: [extra]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		copy_data();
		write_file(cases[i].file, cases[i].text);
		struct pa_catalog *c = NULL;
		assert_int_equal(pa_catalog_load(tmpdir, &c), PA_DATA_FILE);
		assert_null(c);
		if (!strstr(pa_err_last()->message, cases[i].expect))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pa_err_last()->message,
				 cases[i].expect);
		rm_data();
	}
	/* the common-password list is one of the data files: without it nothing starts */
	copy_data();
	char p[600];
	snprintf(p, sizeof p, "%s/common-passwords.txt", tmpdir);
	assert_int_equal(unlink(p), 0);
	struct pa_catalog *c = NULL;
	assert_int_equal(pa_catalog_load(tmpdir, &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "common-passwords.txt"));
	rm_data();
}

/* data/assessment.conf: the shipped file loads; each kind of mistake stops start-up naming
 * the file, the line and the field. */
static void test_assessment(void **st)
{
	(void)st;
	struct pa_app app = {0};
	assert_int_equal(pa_assessment_load(&app, "data"), PA_OK);
	assert_non_null(app.assessment);
	pa_assessment_free(&app);
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{"[indicators]\nclosure_rate 30 higher 办结率 C\nfoo_rate 1 higher F F\n",
		 "assessment.conf:3: code: \"foo_rate\" is not a rate"},
		{"[indicators]\nclosure_rate 0 higher 办结率 C\n", "assessment.conf:2: weight"},
		{"[indicators]\nclosure_rate 5 bigger 办结率 C\n", "assessment.conf:2: better"},
		{"[indicators]\nclosure_rate 5 higher A B\nclosure_rate 5 lower A B\n",
		 "assessment.conf:3: code: \"closure_rate\" is listed twice"},
		{"[indicators]\nclosure_rate 5 higher\n", "assessment.conf:2: indicators"},
		{"# nothing\n", "indicators: an [indicators] section is needed"},
		{"[indicators]\n", "assessment.conf:1: indicators: no indicator"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		copy_data();
		write_file("assessment.conf", cases[i].text);
		assert_int_equal(pa_assessment_load(&app, tmpdir), PA_DATA_FILE);
		assert_null(app.assessment);
		if (!strstr(pa_err_last()->message, cases[i].expect))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pa_err_last()->message,
				 cases[i].expect);
		rm_data();
	}
}

/* The shipped vote's rules: sums, fractions at their boundary, conditions, optional fields;
 * and a date rule. */
static void test_record_rules(void **st)
{
	(void)st;
	struct pa_catalog *c;
	assert_int_equal(pa_catalog_load("data", &c), PA_OK);
	const struct pa_record_spec *v = pa_type_record(pa_catalog_type(c, "resident"), "vote");
	assert_int_equal(v->nrules, 4);
	assert_non_null(v->pass);
	assert_int_equal(v->fail_to, PA_TO_SAME);
	char msg[450], en[450];
	/* the first rule that fails, -1 when all hold; *pass = the pass rule's outcome */
#define FIRST_BROKEN(json, pass)                                                    \
	({                                                                          \
		json_t *o_ = json_loads(json, 0, NULL);                             \
		int k_ = -1;                                                        \
		for (int i_ = v->nrules - 1; i_ >= 0; i_--)                         \
			if (!pa_rule_holds(&v->rules[i_], o_, msg, en, sizeof msg)) \
				k_ = i_;                                            \
		pass = pa_rule_holds(v->pass, o_, msg, en, sizeof msg);             \
		json_decref(o_);                                                    \
		k_;                                                                 \
	})
	bool pass;
	assert_int_equal(FIRST_BROKEN("{\"form\":\"村民代表会议\",\"members\":45,\"attendees\":30,"
				      "\"votes_for\":16,\"votes_against\":14}",
				      pass),
			 -1);
	assert_true(pass);
	/* 29 of 45 is under two thirds; 14 of 29 is not more than half (15 would be) */
	assert_int_equal(FIRST_BROKEN("{\"form\":\"村民代表会议\",\"members\":45,\"attendees\":29,"
				      "\"votes_for\":14}",
				      pass),
			 2);
	assert_false(pass);
	assert_non_null(strstr(en, "Votes for (14) must be more than 1/2 of Attendees (29)"));
	assert_false(FIRST_BROKEN("{\"form\":\"村民代表会议\",\"members\":45,\"attendees\":30,"
				  "\"votes_for\":15,\"abstentions\":15}",
				  pass) != -1);
	assert_false(pass);
	/* the quorum of a 村民代表会议 does not bind a 议事协商会; abstentions count when given */
	assert_int_equal(FIRST_BROKEN("{\"form\":\"议事协商会\",\"members\":45,\"attendees\":3,"
				      "\"votes_for\":2,\"votes_against\":1,\"abstentions\":1}",
				      pass),
			 1);
	assert_int_equal(FIRST_BROKEN("{\"form\":\"村民会议\",\"members\":100,\"attendees\":50,"
				      "\"votes_for\":40}",
				      pass),
			 3);
	assert_int_equal(FIRST_BROKEN("{\"form\":\"村民会议\",\"members\":30,\"attendees\":31,"
				      "\"votes_for\":40}",
				      pass),
			 0);
#undef FIRST_BROKEN
	const struct pa_record_spec *ag =
		pa_type_record(pa_catalog_type(c, "dispute"), "agreement");
	json_t *o = json_loads("{\"signed_on\":\"2028-02-29\",\"due_on\":\"2028-02-28\"}", 0, NULL);
	assert_false(pa_rule_holds(&ag->rules[0], o, msg, en, sizeof msg));
	assert_non_null(strstr(msg, "履行期限（2028-02-28）应不早于签订日期（2028-02-29）"));
	json_object_set_new(o, "due_on", json_string("2028-02-29"));
	assert_true(pa_rule_holds(&ag->rules[0], o, msg, en, sizeof msg));
	json_object_del(o, "due_on"); /* an empty date skips the rule */
	assert_true(pa_rule_holds(&ag->rules[0], o, msg, en, sizeof msg));
	json_decref(o);
	assert_true(pa_type_record(pa_catalog_type(c, "dispute"), "fulfilment")->fields[0].past);
	pa_catalog_free(c);
}

/* Routing rules from a text buffer: with or without the [rules] header, line numbers as
 * the text has them, the same checks as routing.conf gets at load. */
static void test_routing_parse(void **st)
{
	(void)st;
	struct pa_catalog *c;
	assert_int_equal(pa_catalog_load("data", &c), PA_OK);
	assert_non_null(c->routing_text);
	struct pa_routing *rt;
	assert_int_equal(pa_routing_parse(c, "file", c->routing_text, strlen(c->routing_text), &rt),
			 PA_OK);
	assert_true(rt->nrules > 2);
	pa_routing_free(rt);

	const char *rows =
		"# rows alone\n"
		"near dispute neighbour 429006101 - tier:village village dispute\n"
		"\n"
		"any  -       -         -         - unit:committee-medical city ordinary\n";
	assert_int_equal(pa_routing_parse(c, "rules", rows, strlen(rows), &rt), PA_OK);
	assert_int_equal(rt->nrules, 2);
	assert_int_equal(rt->rules[0].line, 2);
	assert_int_equal(rt->rules[1].line, 4);
	assert_string_equal(
		pa_routing_match(rt, "dispute", "neighbour", "429006101001001", "walk_in")->id,
		"near");
	const struct pa_routing_rule *any =
		pa_routing_match(rt, "dispute", "neighbour", "429006102001001", "walk_in");
	assert_string_equal(any->id, "any");
	assert_true(any->to_unit);
	assert_string_equal(any->unit, "committee-medical");
	assert_int_equal(any->tier, PA_TIER_CITY);
	pa_routing_free(rt);

	static const struct {
		const char *text, *expect, *field;
	} bad[] = {
		{"x - - - - tier:town town nope\n", "rules:1: profile: unknown profile \"nope\"",
		 "profile"},
		{"\n\nx dispute galaxy - - tier:town town ordinary\n",
		 "rules:3: category: unknown category \"galaxy\" for dispute", "category"},
		{"x - - - - tier:town town ordinary\nx - - - - tier:town town ordinary\n",
		 "rules:2: id: rule \"x\" listed twice (line 1)", "id"},
		{"x dispute - - - tier:town town ordinary\n", "rules:1: rules: the last rule",
		 "rules"},
		{"x - - - - tier:town town\n", "rules:1: rules: expected 8 to 8 columns", "rules"},
		{"x - - - - tier:town town ordinary\n[rules]\ny - - - - tier:town town ordinary\n",
		 "rules:2: section: [rules] again", "section"},
		{"# nothing\n", "rules:1: rules: no rules", "rules"},
		{"", "rules:1: rules: no rules", "rules"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rt = (struct pa_routing *)1;
		assert_int_equal(
			pa_routing_parse(c, "rules", bad[i].text, strlen(bad[i].text), &rt),
			PA_DATA_FILE);
		assert_null(rt);
		if (!strstr(pa_err_last()->message, bad[i].expect))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, pa_err_last()->message,
				 bad[i].expect);
		assert_string_equal(pa_err_last()->field, bad[i].field);
	}
	pa_catalog_free(c);
}

static void test_geo(void **st)
{
	(void)st;
	double sq[] = {0, 0, 1, 0, 1, 1, 0, 1};
	assert_true(pa_geo_contains(sq, 4, 0.5, 0.5));
	assert_false(pa_geo_contains(sq, 4, 1.5, 0.5));
	double tri[] = {0, 0, 2, 0, 0, 2};
	assert_true(pa_geo_contains(tri, 3, 0.4, 0.4));
	assert_false(pa_geo_contains(tri, 3, 1.5, 1.5));
	assert_false(pa_geo_valid(200, 0));
	assert_false(pa_geo_valid(0.0 / 0.0, 0));

	/* A 40x30 lattice of unit squares: every cell centre finds its own cell. */
	struct pa_geo_index *ix = pa_geo_index_new();
	for (int i = 0; i < 40; i++)
		for (int j = 0; j < 30; j++) {
			double c[] = {i, j, i + 1, j, i + 1, j + 1, i, j + 1};
			char code[32];
			snprintf(code, sizeof code, "%02d%02d", i, j);
			assert_true(pa_geo_index_add(ix, code, "网格", c, 4));
		}
	assert_false(pa_geo_index_add(ix, "bad", NULL, sq, 2));
	pa_geo_index_build(ix);
	assert_int_equal(pa_geo_index_count(ix), 1200);
	for (int i = 0; i < 40; i++)
		for (int j = 0; j < 30; j++) {
			char code[32];
			snprintf(code, sizeof code, "%02d%02d", i, j);
			const char *name = NULL;
			const char *got = pa_geo_locate(ix, i + 0.5, j + 0.5, &name);
			assert_non_null(got);
			assert_string_equal(got, code);
			assert_string_equal(name, "网格");
		}
	assert_null(pa_geo_locate(ix, -0.5, 3, NULL));
	assert_null(pa_geo_locate(ix, 41, 3, NULL));
	assert_null(pa_geo_locate(ix, 3, 30.5, NULL));
	pa_geo_index_free(ix);
}

static void test_pii(void **st)
{
	(void)st;
	assert_true(pa_idno_valid("11010519491231002X"));
	assert_true(pa_idno_valid("11010519491231002x"));
	assert_false(pa_idno_valid("110105194912310021")); /* wrong check digit */
	assert_false(pa_idno_valid("110105194913310028")); /* month 13 */
	assert_false(pa_idno_valid("11010519491231002"));  /* short */
	assert_true(pa_phone_valid("13812345678"));
	assert_true(pa_phone_valid("0728-5221234"));
	assert_false(pa_phone_valid("12812345678"));
	assert_false(pa_phone_valid("1381234567"));
	char m[32];
	pa_mask_idno("11010519491231002X", m, sizeof m);
	assert_string_equal(m, "110105********002X");
	pa_mask_phone("13812345678", m, sizeof m);
	assert_string_equal(m, "138****5678");
	pa_mask_phone("123", m, sizeof m);
	assert_string_equal(m, "***");
}

static void test_text(void **st)
{
	(void)st;
	assert_int_equal(pa_utf8_len("平安abc"), 5);
	assert_true(pa_text_init());
	struct pa_arena a;
	pa_arena_init(&a);
	/* traditional folds to simplified; ASCII folds to lower case; spaces collapse */
	assert_string_equal(pa_text_fold(&a, "鄰里糾紛  ABC"), "邻里纠纷 abc");
	assert_string_equal(pa_text_fold(&a, "邻里纠纷"), "邻里纠纷");
	/* by phrase where characters alone would not do */
	assert_string_equal(pa_text_fold(&a, "瞭解情況"), "了解情况");
	assert_string_equal(pa_text_fold_query(&a, "瞭解"), "了解");
	assert_string_equal(pa_text_fold_query(&a, "答覆"), "答复");
	/* an overlong form is not a NUL or a "/" in disguise; a traditional text cut short
	 * goes to OpenCC whole (found by fuzz/text.c) */
	assert_string_equal(pa_text_fold(&a, "a\xc0\x80"
					     "b\xc0\xaf"
					     "c"),
			    "a\xef\xbf\xbd\xef\xbf\xbd"
			    "b\xef\xbf\xbd\xef\xbf\xbd"
			    "c");
	assert_string_equal(pa_text_fold(&a, "門\xe5"), "门\xef\xbf\xbd");
	pa_arena_free(&a);
	pa_text_done();
}

static void test_jspec(void **st)
{
	(void)st;
	static const struct pa_jspec spec[] = {{"name", PA_JT_STRING, true, 4},
					       {"n", PA_JT_INTEGER, false, 0},
					       {NULL, 0, false, 0}};
	json_t *o = json_pack("{s:s, s:i}", "name", "平安天门", "n", 3);
	assert_int_equal(pa_jspec_check(o, spec, NULL), PA_OK);
	json_object_set_new(o, "name", json_string("平安天门市"));
	assert_int_equal(pa_jspec_check(o, spec, NULL), PA_BAD_FIELD);
	assert_string_equal(pa_err_last()->field, "name");
	json_object_set_new(o, "name", json_string("ok"));
	json_object_set_new(o, "n", json_string("3"));
	assert_int_equal(pa_jspec_check(o, spec, NULL), PA_BAD_FIELD);
	assert_string_equal(pa_err_last()->field, "n");
	json_object_del(o, "n");
	json_object_set_new(o, "extra", json_true());
	assert_int_equal(pa_jspec_check(o, spec, "parties[2]"), PA_UNKNOWN_FIELD);
	assert_string_equal(pa_err_last()->field, "parties[2].extra");
	json_object_del(o, "extra");
	json_object_del(o, "name");
	assert_int_equal(pa_jspec_check(o, spec, NULL), PA_MISSING_FIELD);
	json_object_set_new(o, "name", json_string("a\001b"));
	assert_int_equal(pa_jspec_check(o, spec, NULL), PA_BAD_FIELD);
	json_decref(o);
}

static void test_jw(void **st)
{
	(void)st;
	struct pa_jw w;
	pa_jw_init(&w, 0);
	pa_jw_obj(&w);
	pa_jw_kstr(&w, "s", "平安\"\\\n\x01");
	pa_jw_kint(&w, "i", -42);
	pa_jw_kid(&w, "none", 0);
	pa_jw_knum(&w, "x", 113.17);
	pa_jw_knum(&w, "y", 30.0);
	pa_jw_key(&w, "a");
	pa_jw_arr(&w);
	pa_jw_bool(&w, true);
	pa_jw_null(&w);
	pa_jw_raw(&w, "{\"k\":1}", 7);
	pa_jw_obj(&w);
	pa_jw_obj_end(&w);
	pa_jw_arr_end(&w);
	pa_jw_ktime(&w, "t", 0);
	pa_jw_obj_end(&w);
	assert_false(w.overflow);
	assert_string_equal(w.buf, "{\"s\":\"平安\\\"\\\\\\n\\u0001\",\"i\":-42,\"none\":null,"
				   "\"x\":113.17,\"y\":30,\"a\":[true,null,{\"k\":1},{}],"
				   "\"t\":\"1970-01-01T08:00:00+08:00\"}");
	/* what it writes is JSON jansson reads back */
	json_t *back = json_loads(w.buf, 0, NULL);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "s")), "平安\"\\\n\x01");
	json_decref(back);
	pa_jw_free(&w);
	/* the cap holds */
	pa_jw_init(&w, 64);
	pa_jw_arr(&w);
	for (int i = 0; i < 100; i++)
		pa_jw_str(&w, "0123456789");
	assert_true(w.overflow);
	assert_true(w.len < 64);
	pa_jw_free(&w);
}

static void test_utf8_and_escape(void **st)
{
	(void)st;
	assert_true(pa_utf8_valid("平安 abc"));
	assert_false(pa_utf8_valid("\x80"));
	assert_false(pa_utf8_valid("abc\xc3"));      /* cut short */
	assert_false(pa_utf8_valid("\xed\xa0\x80")); /* a surrogate */
	assert_false(pa_utf8_valid("\xc0\xaf"));     /* overlong */
	assert_int_equal(pa_utf8_cut("平安", 4), 3); /* never splits a character */
	/* the fold copes with invalid bytes: each becomes U+FFFD (three bytes) */
	struct pa_arena a;
	pa_arena_init(&a);
	char bad[3001];
	memset(bad, 0x80, 3000);
	bad[3000] = 0;
	assert_int_equal(strlen(pa_text_fold(&a, bad)), 9000);
	pa_arena_free(&a);
	char out[64];
	assert_string_equal(pa_log_escape(out, sizeof out, "a\"b\\c\nd\xff", 100),
			    "a\\\"b\\\\c\\u000ad\\ufffd");
	/* what a log reader's JSON parser refuses is marked too (found by fuzz/route.c) */
	assert_string_equal(pa_log_escape(out, sizeof out, "/\xe0\x93\x8c/\xed\xa0\x80", 100),
			    "/\\ufffd\\ufffd\\ufffd/\\ufffd\\ufffd\\ufffd");
	/* numbers too big for the decimal form stay valid JSON */
	struct pa_jw w;
	pa_jw_init(&w, 0);
	pa_jw_arr(&w);
	pa_jw_num(&w, 1e30);
	pa_jw_num(&w, 9.5e15);
	pa_jw_num(&w, 2.5);
	pa_jw_arr_end(&w);
	json_t *back = json_loads(w.buf, 0, NULL);
	assert_non_null(back);
	assert_true(json_real_value(json_array_get(back, 0)) == 1e30);
	json_decref(back);
	pa_jw_free(&w);
}

/* data/messages.conf: its checks, both texts from one call, the language a header asks. */
static void test_messages(void **st)
{
	(void)st;
	static const struct {
		const char *text, *where;
	} bad[] = {
		{"[messages]\nen = no case %lld\nzh = 没有案件 %s\n", "x.conf:3: zh: "},
		{"[messages]\nen = %s and %d\nzh = %d 和 %s\n", "x.conf:3: zh: "},
		{"[messages]\nen = no case\n", "x.conf:2: en: no zh row"},
		{"[messages]\nzh = 案件\n", "x.conf:2: zh: "},
		{"[messages]\nen = a\nzh = 甲\nen = a\nzh = 乙\n", "x.conf:4: en: given twice"},
		{"[messages]\nfr = un\n", "x.conf:2: fr: "},
		{"[messages]\nen = a\nzh = -\n", ""},
		{"[other]\nen = a\nzh = 甲\n", "x.conf:1: section: "},
		{"[words]\nen = %s here\nzh = %s 这里\n", "x.conf:2: en: a word takes no"},
		{"[messages]\nen = 100%\nzh = 百分之百\n", "x.conf:2: en: "},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (!bad[i].where[0])
			continue;
		assert_int_equal(pa_msgs_parse("x.conf", bad[i].text, strlen(bad[i].text)),
				 PA_DATA_FILE);
		if (strncmp(pa_err_last()->message, bad[i].where, strlen(bad[i].where)))
			fail_msg("%s: \"%s\" does not start \"%s\"", bad[i].text,
				 pa_err_last()->message, bad[i].where);
	}
	const char *ok = "[messages]\n"
			 "en = case %lld is %s (%.1f%%, %zu)\n"
			 "zh = 案件 %lld 为%s（%.1f%%，%zu）\n"
			 "en = the body is not valid JSON: %s (line %d)\n"
			 "zh = 请求正文不是有效的 JSON%.0s（第 %d 行）\n"
			 "en = wrapped: %s\n"
			 "zh = 包装：%s\n"
			 "[words]\n"
			 "en = the case is urgent\n"
			 "zh = 案件已加急\n";
	assert_int_equal(pa_msgs_parse("y.conf", ok, strlen(ok)), PA_OK);
	assert_int_equal(pa_errf(PA_CONFLICT, "f", "case %lld is %s (%.1f%%, %zu)", 7LL,
				 "the case is urgent", 12.5, (size_t)3),
			 PA_CONFLICT);
	const struct pa_errinfo *e = pa_err_last();
	assert_string_equal(e->message, "case 7 is the case is urgent (12.5%, 3)");
	assert_string_equal(e->message_zh, "案件 7 为案件已加急（12.5%，3）");
	assert_string_equal(pa_err_text(e, PA_LANG_EN), e->message);
	assert_string_equal(pa_err_text(e, PA_LANG_ZH), e->message_zh);
	assert_string_equal(e->field, "f");
	pa_errf(PA_BAD_JSON, NULL, "the body is not valid JSON: %s (line %d)", "end of file", 4);
	assert_string_equal(pa_err_last()->message_zh, "请求正文不是有效的 JSON（第 4 行）");
	pa_err_wrap(PA_BAD_FIELD, "rules", "wrapped: %s");
	assert_string_equal(pa_err_last()->message, "wrapped: the body is not valid JSON: end of "
						    "file (line 4)");
	assert_string_equal(pa_err_last()->message_zh, "包装：请求正文不是有效的 JSON（第 4 行）");
	assert_string_equal(pa_err_last()->field, "rules");
	/* no translation: the English for both */
	pa_errf(PA_CONFLICT, NULL, "untranslated %d", 5);
	assert_string_equal(pa_err_text(pa_err_last(), PA_LANG_ZH), "untranslated 5");
	/* the languages a header asks for */
	assert_int_equal(pa_lang_of(NULL), PA_LANG_ZH);
	assert_int_equal(pa_lang_of(""), PA_LANG_ZH);
	assert_int_equal(pa_lang_of("fr-FR,de;q=0.5"), PA_LANG_ZH);
	assert_int_equal(pa_lang_of("en"), PA_LANG_EN);
	assert_int_equal(pa_lang_of("en-US,en;q=0.9"), PA_LANG_EN);
	assert_int_equal(pa_lang_of("zh-CN,zh;q=0.9,en;q=0.8"), PA_LANG_ZH);
	assert_int_equal(pa_lang_of("en;q=0.8, zh-CN;q=0.9"), PA_LANG_ZH);
	assert_int_equal(pa_lang_of("zh;q=0.5, EN-GB"), PA_LANG_EN);
	assert_int_equal(pa_lang_of("en;q=0, zh;q=0.1"), PA_LANG_ZH);
	assert_int_equal(pa_lang_of("en, zh"), PA_LANG_EN);
	assert_int_equal(pa_lang_of("english"), PA_LANG_ZH);
	/* the shipped file loads, and gives the hints their Chinese */
	assert_int_equal(pa_msgs_load("data/messages.conf"), PA_OK);
	assert_string_equal(pa_err_hint_in(PA_NOT_FOUND, PA_LANG_ZH), "没有此资源");
	assert_string_equal(pa_err_hint_in(PA_NOT_FOUND, PA_LANG_EN), "no such resource");
	pa_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_table),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_conf_parse),
		cmocka_unit_test(test_catalog_shipped),
		cmocka_unit_test(test_catalog_broken),
		cmocka_unit_test(test_routing_parse),
		cmocka_unit_test(test_assessment),
		cmocka_unit_test(test_record_rules),
		cmocka_unit_test(test_geo),
		cmocka_unit_test(test_pii),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_jspec),
		cmocka_unit_test(test_jw),
		cmocka_unit_test(test_utf8_and_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
