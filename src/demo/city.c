/* city.c: the demo city — region tree with grid polygons tiling the area around
 * 113.17°E 30.66°N, units, one user per role and scope, and cases taken through their
 * lifecycle — written through the store interface in one transaction. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "demo/content.h"
#include "demo/demo.h"

/* the default city, and where its lattice lies: another city's is moved to its centre */
#define CITY     "429006"
#define CITY_LNG 113.17
#define CITY_LAT 30.66
#define TOWNS_X  5
#define TOWNS_Y  5
#define VILL_X   6 /* villages across a town */
#define VILL_Y   5
#define CELL_X   (TOWNS_X * VILL_X * 2) /* grid cells across the city: 2x2 per village */
#define CELL_Y   (TOWNS_Y * VILL_Y * 2)
#define LNG0     112.85
#define LNG1     113.49
#define LAT0     30.44
#define LAT1     30.88
#define NTODAY   6 /* today's work for the first town's accounts */
#define NCASES   3000

struct town {
	char code[16];
	const char *name;
	int64_t centre, police, justice;
	int64_t staff_user;
};

struct build {
	struct pa_app *app;
	const struct pa_demo_city *city;
	const char *sfx; /* after every username: "" for the default city, else "_CODE" */
	struct pa_db *db;
	struct pa_rng rng;
	struct pa_arena ar;
	uint64_t seed;
	double vx[CELL_X + 1][CELL_Y + 1], vy[CELL_X + 1][CELL_Y + 1];
	struct town towns[TOWNS_X * TOWNS_Y];
	char (*village_names)[64]; /* per village index town*30+v */
	char (*village_codes)[16];
	int64_t *village_unit;
	int64_t city_centre, petition, police_bureau, justice_bureau;
	int64_t committees[5], depts[6];
	int64_t mediator_user[5], police_user, legal_user, city_staff_user, dept_user[6];
	int64_t *village_user; /* coordinator of village town*30+v */
	int64_t *grid_user;    /* grid worker of grid (town*30+v)*4+g */
	char pw_hash[128];
	int nusers;
	bool new_province; /* the province's region was made with this city */
	/* the case being built: its lifecycle, limits, tier and clock, kept step by step */
	const struct pa_lifecycle *lc;
	const struct pa_profile *profile;
	int tier;
	struct pa_clock clock;
	bool overdue; /* past a red limit (the sweeper's red notice made) */
};

static const char *const committee_names[5] = {
	"天门市婚姻家庭纠纷人民调解委员会", "天门市医疗纠纷人民调解委员会",
	"天门市校园纠纷人民调解委员会", "天门市道路交通事故纠纷人民调解委员会",
	"天门市物业纠纷人民调解委员会"};
static const char *const committee_codes[5] = {"family", "medical", "school", "traffic",
					       "property"};
static const char *const dept_names[6] = {"天门市生态环境局",       "天门市人社局劳动保障监察大队",
					  "天门市住房和城乡建设局", "天门市市场监督管理局",
					  "天门市应急管理局",       "天门市交通运输局"};
/* the departments' accounts: dept_env, dept_hrss … (role dept_staff), one per department */
static const char *const dept_codes[6] = {"env",    "hrss",      "housing",
					  "market", "emergency", "transport"};
enum { DEPT_ENV, DEPT_HRSS, DEPT_HOUSING, DEPT_MARKET };

/* Deterministic jitter of an interior lattice vertex, in cells. */
static double jitter(uint64_t seed, int i, int j, int axis)
{
	struct pa_rng r = {seed ^ ((uint64_t)i * 0x9E3779B97F4A7C15ull) ^
			   ((uint64_t)j * 0xC2B2AE3D27D4EB4Full) ^ (uint64_t)axis};
	pa_rng_next(&r);
	return (pa_rng_unit(&r) - 0.5) * 0.5;
}

static void lattice(struct build *b)
{
	double cw = (LNG1 - LNG0) / CELL_X, ch = (LAT1 - LAT0) / CELL_Y;
	for (int i = 0; i <= CELL_X; i++)
		for (int j = 0; j <= CELL_Y; j++) {
			bool edge = i == 0 || j == 0 || i == CELL_X || j == CELL_Y;
			b->vx[i][j] = LNG0 + b->city->lng - CITY_LNG +
				      (i + (edge ? 0 : jitter(b->seed, i, j, 0))) * cw;
			b->vy[i][j] = LAT0 + b->city->lat - CITY_LAT +
				      (j + (edge ? 0 : jitter(b->seed, i, j, 1))) * ch;
		}
}

static char *ring_json(struct build *b, int i, int j)
{
	/* counter-clockwise, closed */
	return pa_sprintf(&b->ar, "[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]",
			  b->vx[i][j], b->vy[i][j], b->vx[i + 1][j], b->vy[i + 1][j],
			  b->vx[i + 1][j + 1], b->vy[i + 1][j + 1], b->vx[i][j + 1],
			  b->vy[i][j + 1], b->vx[i][j], b->vy[i][j]);
}

/* A point inside cell (i, j): bilinear between its corners, away from the edges. */
static void point_in_cell(struct build *b, int i, int j, double *x, double *y)
{
	double u = 0.15 + 0.7 * pa_rng_unit(&b->rng), v = 0.15 + 0.7 * pa_rng_unit(&b->rng);
	*x = (1 - u) * (1 - v) * b->vx[i][j] + u * (1 - v) * b->vx[i + 1][j] +
	     u * v * b->vx[i + 1][j + 1] + (1 - u) * v * b->vx[i][j + 1];
	*y = (1 - u) * (1 - v) * b->vy[i][j] + u * (1 - v) * b->vy[i + 1][j] +
	     u * v * b->vy[i + 1][j + 1] + (1 - u) * v * b->vy[i][j + 1];
}

static enum pa_err unit(struct build *b, const char *code, const char *name, const char *kind,
			const char *region, const char *tier, int64_t *id)
{
	/* the default city's names, another city's own */
	static const char dflt[] = "天门市";
	if (!strncmp(name, dflt, sizeof dflt - 1))
		name = pa_sprintf(&b->ar, "%s%s", b->city->name, name + sizeof dflt - 1);
	struct pa_unit_in u = {code, name, kind, region, tier};
	return b->db->ops->unit_put(b->db, &u, id);
}

static enum pa_err user(struct build *b, const char *username, const char *role, const char *region,
			int64_t unit_id, const char *name, int64_t *id, FILE *out, bool show)
{
	username = pa_sprintf(&b->ar, "%s%s", username, b->sfx);
	struct pa_account_new n = {.username = username,
				   .pw_hash = b->pw_hash,
				   .role = role,
				   .region = region,
				   .name = name,
				   .unit_id = unit_id};
	enum pa_err rc = pa_user_create(b->db, b->app->cat, &n, id);
	if (rc)
		return rc;
	b->nusers++;
	if (show)
		fprintf(out, "  %-22s %-20s %-16s %s\n", username, role, region, name);
	return PA_OK;
}

static enum pa_err regions_and_units(struct build *b)
{
	enum pa_err rc;
	struct pa_db *db = b->db;
	/* the province the city lies in, the first time one of its cities is built */
	char prov[3];
	snprintf(prov, sizeof prov, "%.2s", b->city->code);
	json_t *p = NULL;
	if (db->ops->region_get(db, prov, &p) == PA_OK)
		json_decref(p);
	else {
		/* centred on its first city until a map has more to go by */
		struct pa_region_in pr = {
			prov, NULL,         "province",   pa_demo_province_name(prov),
			0,    b->city->lng, b->city->lat, NULL};
		if ((rc = db->ops->region_put(db, &pr)))
			return rc;
		b->new_province = true;
	}
	struct pa_region_in city = {b->city->code, prov,         "city", b->city->name, 1,
				    b->city->lng,  b->city->lat, NULL};
	if ((rc = db->ops->region_put(db, &city)))
		return rc;
	if ((rc = unit(b, "city-centre", "天门市社会治理综合服务中心", "city_centre", b->city->code,
		       "city", &b->city_centre)) ||
	    (rc = unit(b, "city-petition", "天门市信访局", "petition_bureau", b->city->code, "city",
		       &b->petition)) ||
	    (rc = unit(b, "city-police", "天门市公安局", "department", b->city->code, "city",
		       &b->police_bureau)) ||
	    (rc = unit(b, "city-justice", "天门市司法局", "department", b->city->code, "city",
		       &b->justice_bureau)))
		return rc;
	for (int k = 0; k < 5; k++)
		if ((rc = unit(b, pa_sprintf(&b->ar, "committee-%s", committee_codes[k]),
			       committee_names[k], "committee", b->city->code, "city",
			       &b->committees[k])))
			return rc;
	for (int k = 0; k < 6; k++)
		if ((rc = unit(b, pa_sprintf(&b->ar, "dept-%d", k + 1), dept_names[k], "department",
			       b->city->code, "city", &b->depts[k])))
			return rc;

	int nstreet = 0, ntown = 0, ntownship = 0, nfarm = 0;
	for (int t = 0; t < pa_demo_ntowns && t < TOWNS_X * TOWNS_Y; t++) {
		struct town *tw = &b->towns[t];
		const char *kind = pa_demo_town_kind(t);
		int suffix = strcmp(kind, "street") == 0     ? 1 + nstreet++
			     : strcmp(kind, "town") == 0     ? 101 + ntown++
			     : strcmp(kind, "township") == 0 ? 201 + ntownship++
							     : 401 + nfarm++;
		snprintf(tw->code, sizeof tw->code, "%s%03d", b->city->code, suffix % 1000);
		tw->name = pa_demo_town_name(t);
		int bx = t % TOWNS_X, by = t / TOWNS_X;
		int ci = bx * VILL_X * 2, cj = by * VILL_Y * 2;
		double cx = (b->vx[ci][cj] + b->vx[ci + VILL_X * 2][cj + VILL_Y * 2]) / 2;
		double cy = (b->vy[ci][cj] + b->vy[ci + VILL_X * 2][cj + VILL_Y * 2]) / 2;
		struct pa_region_in r = {tw->code, b->city->code, kind, tw->name, 2, cx, cy, NULL};
		if ((rc = db->ops->region_put(db, &r)))
			return rc;
		if ((rc = unit(b, pa_sprintf(&b->ar, "town-%s", tw->code),
			       pa_sprintf(&b->ar, "%s综治中心", tw->name), "town_centre", tw->code,
			       "town", &tw->centre)) ||
		    (rc = unit(b, pa_sprintf(&b->ar, "police-%s", tw->code),
			       pa_sprintf(&b->ar, "天门市公安局%s派出所", tw->name),
			       "police_station", tw->code, "town", &tw->police)) ||
		    (rc = unit(b, pa_sprintf(&b->ar, "justice-%s", tw->code),
			       pa_sprintf(&b->ar, "%s司法所", tw->name), "justice_office", tw->code,
			       "town", &tw->justice)))
			return rc;

		bool urban = strcmp(kind, "street") == 0;
		int ncomm = urban ? 20 : 3, nc = 0, nv = 0;
		for (int v = 0; v < VILL_X * VILL_Y; v++) {
			int vi = ci + (v % VILL_X) * 2, vj = cj + (v / VILL_X) * 2;
			bool comm = v < ncomm;
			char vcode[24];
			snprintf(vcode, sizeof vcode, "%s%03d", tw->code,
				 (comm ? 1 + nc++ : 201 + nv++) % 1000);
			const char *vname = pa_demo_village_name(&b->ar, &b->rng, t, v, comm);
			snprintf(b->village_names[t * 30 + v], 64, "%s", vname);
			memcpy(b->village_codes[t * 30 + v], vcode, 16);
			struct pa_region_in vr = {vcode,
						  tw->code,
						  comm ? "community" : "village",
						  vname,
						  3,
						  b->vx[vi + 1][vj + 1],
						  b->vy[vi + 1][vj + 1],
						  NULL};
			if ((rc = db->ops->region_put(db, &vr)))
				return rc;
			if ((rc = unit(b, pa_sprintf(&b->ar, "village-%s", vcode),
				       pa_sprintf(&b->ar, "%s综治中心(调委会)", vname),
				       "village_centre", vcode, "village",
				       &b->village_unit[t * 30 + v])))
				return rc;
			for (int g = 0; g < 4; g++) {
				int gi = vi + g % 2, gj = vj + g / 2;
				char gcode[32];
				snprintf(gcode, sizeof gcode, "%s%03d", vcode, (g + 1) % 1000);
				struct pa_region_in gr = {
					gcode,
					vcode,
					"grid",
					pa_sprintf(&b->ar, "%s第%d网格", vname, g + 1),
					4,
					(b->vx[gi][gj] + b->vx[gi + 1][gj + 1]) / 2,
					(b->vy[gi][gj] + b->vy[gi + 1][gj + 1]) / 2,
					ring_json(b, gi, gj)};
				if ((rc = db->ops->region_put(db, &gr)))
					return rc;
			}
		}
	}
	return PA_OK;
}

static enum pa_err users(struct build *b, FILE *out)
{
	enum pa_err rc;
	fprintf(out, "\nDemo log-ins (password for every account: %s)\n", PA_DEMO_PASSWORD);
	fprintf(out, "  %-22s %-20s %-16s %s\n", "username", "role", "region", "who");
	if ((rc = user(b, "city_admin", "city_admin", b->city->code, b->city_centre,
		       "市综治中心主任 王强", NULL, out, true)) ||
	    (rc = user(b, "city_staff", "city_staff", b->city->code, b->city_centre,
		       "市综治中心 刘敏", &b->city_staff_user, out, true)) ||
	    (rc = user(b, "auditor", "auditor", b->city->code, 0, "审计员 陈静", NULL, out,
		       true)) ||
	    (rc = user(b, "sys_admin", "sys_admin", b->city->code, 0, "系统管理员 周伟", NULL, out,
		       true)) ||
	    (rc = user(b, "sec_admin", "sec_admin", b->city->code, 0, "安全管理员 吴芳", NULL, out,
		       true)) ||
	    (rc = user(b, "police", "police", b->city->code, b->police_bureau, "市公安局 赵刚",
		       &b->police_user, out, true)) ||
	    (rc = user(b, "legal", "legal", b->city->code, b->justice_bureau, "市司法局 孙丽",
		       &b->legal_user, out, true)))
		return rc;
	for (int k = 0; k < 5; k++)
		if ((rc = user(b, pa_sprintf(&b->ar, "mediator_%s", committee_codes[k]), "mediator",
			       b->city->code, b->committees[k],
			       pa_sprintf(&b->ar, "调解员(%s)", committee_names[k] + 9),
			       &b->mediator_user[k], out, k == 0)))
			return rc;
	/* each functional department signs for, handles and answers its cases itself */
	for (int k = 0; k < 6; k++)
		if ((rc = user(b, pa_sprintf(&b->ar, "dept_%s", dept_codes[k]), "dept_staff",
			       b->city->code, b->depts[k],
			       pa_sprintf(&b->ar, "%s 工作人员", dept_names[k]), &b->dept_user[k],
			       out, k == 0)))
			return rc;
	for (int t = 0; t < pa_demo_ntowns && t < TOWNS_X * TOWNS_Y; t++) {
		struct town *tw = &b->towns[t];
		const char *s = tw->code + 6;
		bool show = t == 3;
		if ((rc = user(b, pa_sprintf(&b->ar, "town_%s", s), "town_staff", tw->code,
			       tw->centre, pa_sprintf(&b->ar, "%s综治中心", tw->name),
			       &tw->staff_user, out, show)))
			return rc;
		/* One coordinator per village and one grid worker per grid: a user per role
		 * and scope. */
		for (int v = 0; v < 30; v++) {
			const char *vcode = b->village_codes[t * 30 + v],
				   *vname = b->village_names[t * 30 + v];
			if ((rc = user(b, pa_sprintf(&b->ar, "village_%s_%s", s, vcode + 9),
				       "village_coordinator", vcode, b->village_unit[t * 30 + v],
				       pa_sprintf(&b->ar, "%s协调员", vname),
				       &b->village_user[t * 30 + v], out, show && v == 0)))
				return rc;
			for (int g = 0; g < 4; g++) {
				char gcode[32];
				snprintf(gcode, sizeof gcode, "%s%03d", vcode, g + 1);
				if ((rc = user(b,
					       pa_sprintf(&b->ar, "grid_%s_%s_%03d", s, vcode + 9,
							  g + 1),
					       "grid_worker", gcode, 0,
					       pa_sprintf(&b->ar, "%s第%d网格网格员", vname, g + 1),
					       &b->grid_user[(t * 30 + v) * 4 + g], out,
					       show && v == 0 && g == 0)))
					return rc;
			}
		}
	}
	/* the province's read-only account, with the province's first city */
	if (b->new_province) {
		char prov[3];
		snprintf(prov, sizeof prov, "%.2s", b->city->code);
		const char *name = pa_sprintf(&b->ar, "province_%s", prov);
		const char *sfx = b->sfx;
		b->sfx = "";
		rc = user(b, name, "province_leader", prov, 0,
			  pa_sprintf(&b->ar, "%s领导(只读)", pa_demo_province_name(prov)), NULL,
			  out, true);
		b->sfx = sfx;
		if (rc)
			return rc;
	}
	fprintf(out,
		"  … and mediator_{family,medical,school,traffic,property}%s; town_NNN%s for "
		"every\n"
		"    town code NNN; village_NNN_VVV%s for every village %sNNNVVV; and\n"
		"    grid_NNN_VVV_GGG%s for every grid %sNNNVVVGGG.\n",
		b->sfx, b->sfx, b->sfx, b->city->code, b->sfx, b->city->code);
	return PA_OK;
}

/* ---- cases ---- */

struct kind {
	const char *type, *category;
	int weight;
	int committee; /* -1 none */
};

static const struct kind kinds[] = {
	{"dispute", "neighbour", 14, -1},   {"dispute", "land", 10, -1},
	{"dispute", "family", 9, 0},        {"dispute", "wage", 7, -1},
	{"dispute", "property", 6, 4},      {"dispute", "traffic", 5, 3},
	{"dispute", "medical", 3, 1},       {"dispute", "school", 3, 2},
	{"dispute", "debt", 5, -1},         {"hazard", "fire", 5, -1},
	{"hazard", "road", 4, -1},          {"hazard", "building", 3, -1},
	{"hazard", "flood", 3, -1},         {"hazard", "gas", 2, -1},
	{"hazard", "campus", 2, -1},        {"request", "livelihood", 5, -1},
	{"request", "environment", 3, -1},  {"request", "business", 2, -1},
	{"request", "legal_aid", 2, -1},    {"request", "infrastructure", 4, -1},
	{"request", "public_order", 3, -1},
};

static const struct kind *pick_kind(struct pa_rng *r)
{
	int total = 0;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		total += kinds[i].weight;
	int x = (int)pa_rng_below(r, (uint32_t)total);
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if ((x -= kinds[i].weight) < 0)
			return &kinds[i];
	return &kinds[0];
}

static const char *pick_channel(struct pa_rng *r)
{
	static const char *const ch[] = {
		"grid_worker", "grid_worker",   "grid_worker", "walk_in", "walk_in",
		"phone",       "hotline_12345", "online",      "letter",  "police_transfer"};
	return ch[pa_rng_below(r, sizeof ch / sizeof *ch)];
}

static enum pa_err step_with(struct build *b, int64_t id, const char *action, const char *from,
			     const char *to, int64_t from_unit, int64_t to_unit, int64_t actor,
			     int64_t at, const char *note, const struct pa_case_in *c,
			     const struct pa_case_patch *patch)
{
	/* A step taken after a limit passed finds the notices a sweeper would have made as the
	 * limit passed (yellow, then red), as in a centre whose sweeper runs all the time. */
	for (int i = 0;
	     i < 2 && b->clock.next_due && b->clock.next_due <= at && !b->clock.paused_at; i++) {
		const struct pa_scope everywhere = {.region = ""};
		struct pa_case_head now;
		enum pa_err rc = pa_sweep_case(b->app, b->db, id, b->clock.next_due);
		if (!rc)
			rc = b->db->ops->case_head(b->db, &everywhere, id, &now);
		if (rc)
			return rc;
		if (now.clock.next_due == b->clock.next_due)
			break; /* nothing more to mark */
		b->clock = now.clock;
		b->overdue = now.overdue;
	}
	/* the clock follows every step, as it does for a case handled through the API */
	struct pa_case_patch p =
		patch ? *patch
		      : (struct pa_case_patch){.urgent = -1, .ext_pending = -1, .unreasonable = -1};
	int tier = p.tier ? pa_tier_of(p.tier) : b->tier;
	struct pa_clock next;
	pa_clock_after(b->app, b->lc, b->profile, b->tier, tier, pa_lifecycle_state(b->lc, from),
		       pa_lifecycle_state(b->lc, to), at, 0, &b->clock, &next);
	p.clock = &next;
	p.watch = pa_watch_after(b->lc, pa_lifecycle_state(b->lc, from),
				 pa_lifecycle_state(b->lc, to));
	struct pa_step_in s = {id,    action, from,    to,          note,    from_unit, to_unit,
			       actor, at,     c->type, c->category, c->grid, &p};
	/* the statistics follow too: the demo's dashboards are made of the same events */
	struct pa_case_head h = {
		.overdue = b->overdue, .reported_at = c->at, .entry_unit = c->unit_id};
	pa_step_stats(b->lc, pa_lifecycle_action(b->lc, action), pa_lifecycle_state(b->lc, from),
		      pa_lifecycle_state(b->lc, to), &h, &p, &s);
	enum pa_err rc = b->db->ops->case_step(b->db, &s);
	b->clock = next;
	b->tier = tier;
	return rc;
}

static enum pa_err step(struct build *b, int64_t id, const char *action, const char *from,
			const char *to, int64_t from_unit, int64_t to_unit, int64_t actor,
			int64_t at, const char *note, const struct pa_case_in *c)
{
	return step_with(b, id, action, from, to, from_unit, to_unit, actor, at, note, c, NULL);
}

/* "YYYY-MM-DD" of the CST day `days` after time t. */
static void day_after(int64_t t, int days, char out[16])
{
	char iso[32];
	pa_time_iso(t + (int64_t)days * 86400, iso);
	snprintf(out, 16, "%.10s", iso);
}

/* A mediation session that reached agreement, and the agreement (调解协议) with its terms,
 * as the mediator records them through the API: each a step with its record. */
static enum pa_err mediated(struct build *b, int64_t id, int64_t unit, int64_t handler,
			    int64_t *now, int64_t gap, const char *p1, const char *p2,
			    const struct pa_case_in *c)
{
	char held[16], due[16];
	day_after(*now += gap, 0, held);
	day_after(*now, 30, due);
	const char *session =
		pa_sprintf(&b->ar,
			   "{\"attendees\":\"%s、%s、调解员\",\"facts\":\"%s\",\"held_on\":\"%s\","
			   "\"outcome\":\"达成一致\",\"place\":\"调解室\"}",
			   p1, p2, c->title, held);
	const char *agreement = pa_sprintf(
		&b->ar,
		"{\"due_on\":\"%s\",\"signed_on\":\"%s\",\"terms\":\"一、%s于%s前履行双方"
		"约定的义务，%s予以配合。\\n二、双方互谅互让，今后不得因此事再生纠纷。\"}",
		due, held, p2, due, p1);
	enum pa_err rc;
	if ((rc = step(b, id, "mediation_session", "handling", "handling", unit, 0, handler, *now,
		       NULL, c)) ||
	    (rc = b->db->ops->record_add(b->db, id, "mediation_session", session, handler, *now)))
		return rc;
	*now += 1800;
	if ((rc = step(b, id, "agreement", "handling", "handling", unit, 0, handler, *now, NULL,
		       c)))
		return rc;
	return b->db->ops->record_add(b->db, id, "agreement", agreement, handler, *now);
}

/* A mediation that failed, as the mediator records it. */
static enum pa_err mediation_failed(struct build *b, int64_t id, int64_t unit, int64_t handler,
				    int64_t *now, int64_t gap, const struct pa_case_in *c)
{
	static const char rec[] = "{\"advice\":\"告知诉讼\",\"reason\":\"双方分歧较大，经多次调解"
				  "未能达成一致，已告知当事人依法向人民法院起诉\"}";
	enum pa_err rc = step(b, id, "mediation_failed", "handling", "handling", unit, 0, handler,
			      *now += gap, NULL, c);
	return rc ? rc : b->db->ops->record_add(b->db, id, "mediation_failed", rec, handler, *now);
}

/* A case placed by hand rather than drawn: the work waiting today for the demo accounts
 * people log in with first (town_101, village_101_001, grid_101_001_*). */
struct pin {
	const char *town;        /* its code */
	int v, g;                /* village and grid index within the town */
	const struct kind *kind; /* what it is */
	int hours_ago;           /* reported that many hours before now */
	int stage;               /* how far along (stages as below) */
	bool village;            /* dispatched to the village (else kept by the town) */
};

static enum pa_err case_history(struct build *b, int64_t today, const struct pin *pin, int64_t *id);

/* One case of the past year with its history up to today (or placed by pin), judged at the
 * end as the sweeper would judge it today (its notices, no escalation: serve's sweeper
 * decides that). */
static enum pa_err one_case(struct build *b, int64_t today, const struct pin *pin)
{
	int64_t id = 0;
	enum pa_err rc = case_history(b, today, pin, &id);
	for (int i = 0; i < 2 && !rc && id; i++)
		rc = pa_sweep_case(b->app, b->db, id, pa_now());
	return rc;
}

static enum pa_err case_history(struct build *b, int64_t today, const struct pin *pin, int64_t *id)
{
	struct pa_rng *r = &b->rng;
	int t = 0, v, g;
	if (pin) {
		while (t < pa_demo_ntowns - 1 && strcmp(b->towns[t].code, pin->town) != 0)
			t++;
		v = pin->v, g = pin->g;
	} else {
		t = (int)pa_rng_below(r, (uint32_t)pa_demo_ntowns);
		/* Sub-districts are denser: a second draw favours them. */
		if (pa_rng_below(r, 4) == 0)
			t = (int)pa_rng_below(r, 3);
		v = (int)pa_rng_below(r, 30), g = (int)pa_rng_below(r, 4);
	}
	struct town *tw = &b->towns[t];
	int bx = t % TOWNS_X, by = t / TOWNS_X;
	int ci = bx * VILL_X * 2 + (v % VILL_X) * 2 + g % 2;
	int cj = by * VILL_Y * 2 + (v / VILL_X) * 2 + g / 2;
	double x, y;
	point_in_cell(b, ci, cj, &x, &y);
	const char *grid = pa_geo_locate(b->app->geo, x, y, NULL);
	if (!grid)
		return pa_errf(PA_INTERNAL, NULL, "demo point (%f, %f) outside every grid", x, y);

	const struct kind *k = pin ? pin->kind : pick_kind(r);
	const char *vname = b->village_names[t * 30 + v];
	const char *p1 = pa_demo_person_name(&b->ar, r), *p2 = pa_demo_person_name(&b->ar, r);
	struct pa_demo_case_text txt;
	pa_demo_case_text(&b->ar, r, k->type, k->category, vname, p1, p2, &txt);

	struct pa_party_in parties[2] = {
		{"applicant", p1, pa_demo_id_number(&b->ar, r, b->city->code),
		 pa_demo_phone(&b->ar, r), pa_sprintf(&b->ar, "%s%s", tw->name, vname)},
		{"respondent", p2,
		 pa_rng_below(r, 2) ? pa_demo_id_number(&b->ar, r, b->city->code) : NULL,
		 pa_rng_below(r, 2) ? pa_demo_phone(&b->ar, r) : NULL, NULL},
	};
	int nparties = strcmp(k->type, "dispute") == 0 ? 2 : 1;
	/* Amounts stay in the description the text generator wrote, so the two never differ. */
	const char *fields = "{}";

	/* Spread over the year before today, in working hours, older ones further along. */
	int64_t age_days = pin ? 0 : 1 + (int64_t)pa_rng_below(r, 365);
	int64_t at = pin ? pa_now() - (int64_t)pin->hours_ago * 3600
			 : today - age_days * 86400 + 8 * 3600 + 30 * 60 +
				     (int64_t)pa_rng_below(r, 9 * 3600);
	/* a hazard is to be rectified within 15 to 29 days of its report (its 整改期限) */
	char rectify_by[16] = "";
	if (strcmp(k->type, "hazard") == 0) {
		day_after(at, 15 + (int)(age_days % 15), rectify_by);
		fields = pa_sprintf(&b->ar, "{\"rectify_by\":\"%s\",\"responsible_party\":\"%s\"}",
				    rectify_by, p1);
	}
	/* Every step is taken by someone whose scope holds the case: the demo grid worker
	 * and coordinator look after the first grid and village of their town only. */
	int64_t reporter = tw->staff_user, from_unit = tw->centre;
	const char *channel = pick_channel(r);
	if (strcmp(channel, "grid_worker") == 0)
		reporter = b->grid_user[(t * 30 + v) * 4 + g], from_unit = 0;

	struct pa_case_in c = {
		.type = k->type,
		.category = k->category,
		.status = "reported",
		.title = txt.title,
		.description = txt.description,
		.grid = grid,
		.channel = channel,
		.address = pa_sprintf(&b->ar, "%s%s", tw->name, vname),
		.fields_json = fields,
		.lng = x,
		.lat = y,
		.unit_id = tw->centre,
		.from_unit = from_unit,
		.reporter_id = reporter,
		.at = at,
		.year = pa_time_year(at),
		.nparties = nparties,
		.parties = parties,
		.action = "report",
	};
	const struct pa_casetype *type = pa_catalog_type(b->app->cat, c.type);
	if (rectify_by[0] && type->watch) {
		c.watch_due = pa_day_end(rectify_by);
		c.watch_open = pa_state_watched(type->lc, 0);
	}
	c.search = pa_text_fold(&b->ar,
				pa_sprintf(&b->ar, "%s %s %s", c.title, c.description, c.address));
	struct pa_case_ref ref;
	const struct pa_routing_rule *rule =
		pa_routing_match(pa_app_routing(b->app), c.type, c.category, c.grid, c.channel);
	b->lc = type->lc;
	b->profile = rule->profile;
	c.routing_rule = rule->id;
	c.routing_version = pa_app_routing(b->app)->version;
	b->tier = PA_TIER_TOWN; /* the demo's cases reach the town centre first */
	c.tier = "town";
	c.profile = rule->profile->code;
	pa_clock_after(b->app, b->lc, b->profile, b->tier, b->tier, -1, 0, c.at, 0, NULL, &c.clock);
	b->clock = c.clock;
	b->overdue = false;
	enum pa_err rc = pa_case_seal(b->app, &b->ar, &c);
	if (!rc)
		rc = b->db->ops->case_insert(b->db, &c, &ref);
	if (rc)
		return rc;
	*id = ref.id;

	/* How far along: older cases are more often done, and a few are still open long
	 * after their limits (a centre's backlog). */
	double done = age_days > 60 ? 0.997 : age_days > 30 ? 0.98 : age_days > 7 ? 0.9 : 0.35;
	int stage = pin ? pin->stage : pa_rng_unit(r) < done ? 5 : (int)pa_rng_below(r, 5);
	/* stages: 0 reported, 1 accepted, 2 dispatched, 3 handling, 4 verifying, 5 closed */
	int64_t now = at;
	/* a pinned case moves on by the quarter hour, so that its steps are all in the past */
	int64_t gap = pin ? 900 : 3600 * (2 + (int64_t)pa_rng_below(r, 30));
	if (stage == 0)
		return PA_OK;
	if (!pin && pa_rng_below(r, 30) == 0)
		return step(b, ref.id, "reject", "reported", "rejected", tw->centre, 0,
			    tw->staff_user, now + gap, "不属于受理范围，已告知当事人向有关部门反映",
			    &c);
	if ((rc = step(b, ref.id, "accept", "reported", "accepted", tw->centre, 0, tw->staff_user,
		       now += gap, NULL, &c)) ||
	    stage == 1)
		return rc;
	int64_t to = b->village_unit[t * 30 + v], handler = b->village_user[t * 30 + v];
	const char *tier = "village";
	if (pin)
		to = pin->village ? to : tw->centre,
		handler = pin->village ? handler : tw->staff_user,
		tier = pin->village ? "village" : "town";
	else if (k->committee >= 0 && pa_rng_below(r, 2))
		to = b->committees[k->committee], handler = b->mediator_user[k->committee],
		tier = "city";
	/* whoever signs and closes belongs to the unit that received the case */
	else if (strcmp(k->category, "public_order") == 0)
		to = b->police_bureau, handler = b->police_user, tier = "city";
	else if (strcmp(k->category, "legal_aid") == 0)
		to = b->justice_bureau, handler = b->legal_user, tier = "city";
	/* the departments take what is theirs (S15): pollution, market order, wage arrears */
	else if (strcmp(k->category, "environment") == 0)
		to = b->depts[DEPT_ENV], handler = b->dept_user[DEPT_ENV], tier = "city";
	else if (strcmp(k->category, "business") == 0)
		to = b->depts[DEPT_MARKET], handler = b->dept_user[DEPT_MARKET], tier = "city";
	else if (strcmp(k->category, "wage") == 0)
		to = b->depts[DEPT_HRSS], handler = b->dept_user[DEPT_HRSS], tier = "city";
	else if (strcmp(k->type, "hazard") == 0 || pa_rng_below(r, 3) == 0)
		to = tw->centre, handler = tw->staff_user, tier = "town";
	bool dept = to == b->depts[DEPT_ENV] || to == b->depts[DEPT_MARKET] ||
		    to == b->depts[DEPT_HRSS];
	struct pa_case_patch to_tier = {
		.tier = tier, .urgent = -1, .ext_pending = -1, .unreasonable = -1};
	if ((rc = step_with(b, ref.id, "dispatch", "accepted", "dispatched", tw->centre, to,
			    tw->staff_user, now += gap, "请按期办理并反馈", &c, &to_tier)) ||
	    stage == 2)
		return rc;
	if ((rc = step(b, ref.id, "sign", "dispatched", "handling", to, 0, handler, now += gap / 2,
		       NULL, &c)) ||
	    stage < 4)
		return rc;
	static const char *const closing[] = {
		"经调解双方达成一致意见，已签订调解协议并当场履行。",
		"已现场核实处置完毕，当事人表示满意。",
		"隐患已整改到位，经复查符合要求。",
		"已向当事人解释相关政策，诉求已解决。",
	};
	int closed_how = strcmp(k->type, "hazard") == 0    ? 2
			 : strcmp(k->type, "request") == 0 ? 3
							   : (int)pa_rng_below(r, 2);
	/* a department answers by its own means; mediation is the committees' and centres' */
	if (dept && closed_how == 0)
		closed_how = 3;
	const char *note = closing[closed_how];
	/* a dispute mediated: most reach an agreement, with its mediation record and the
	 * agreement itself; some fail, and the parties are told to go to court */
	bool failed = closed_how == 0 && pa_rng_below(r, 5) == 0;
	if (failed && (rc = mediation_failed(b, ref.id, to, handler, &now, gap, &c)))
		return rc;
	if (failed)
		note = "调解不成，已告知当事人依法向人民法院起诉。";
	else if (closed_how == 0 && (rc = mediated(b, ref.id, to, handler, &now, gap, p1, p2, &c)))
		return rc;
	/* one case in seven is handled slowly, past its limits */
	int64_t slow = pa_rng_below(r, 7) == 0 ? 12 : 1;
	if ((rc = step(b, ref.id, "feedback", "handling", "verifying", to, 0, handler,
		       now += gap * slow * (1 + (int64_t)pa_rng_below(r, 6)), note, &c)) ||
	    stage == 4)
		return rc;
	/* no one checks their own work: a case the town centre handled itself is verified by
	 * the city centre, and the call-back is the centre's — neither the handler's nor the
	 * reporter's own (the lifecycle's not_handler and not_reporter) */
	int64_t verifier = to == tw->centre ? b->city_staff_user : tw->staff_user;
	int64_t caller = to == tw->centre || reporter == tw->staff_user ? b->city_staff_user
									: tw->staff_user;
	if ((rc = step(b, ref.id, "verify_pass", "verifying", "closed", to, 0, verifier, now += gap,
		       "经核查，处置结果属实", &c)))
		return rc;
	/* Most closed cases are called back; a few residents are not satisfied. */
	if (pa_rng_below(r, 4) == 0)
		return PA_OK;
	static const char *const ratings[] = {"satisfied", "satisfied",           "satisfied",
					      "satisfied", "basically_satisfied", "unsatisfied"};
	struct pa_case_patch rated = {.rating = ratings[pa_rng_below(r, 6)],
				      .urgent = -1,
				      .ext_pending = -1,
				      .unreasonable = -1};
	if ((rc = step_with(b, ref.id, "callback", "closed", "closed", to, 0, caller, now += 86400,
			    "电话回访", &c, &rated)))
		return rc;
	if (age_days < 60)
		return PA_OK;
	return step(b, ref.id, "archive", "closed", "archived", to, 0, tw->staff_user,
		    now + 3 * 86400, NULL, &c);
}

/* The provinces of GB/T 2260, by their two-digit prefix. */
const char *pa_demo_province_name(const char *prefix)
{
	static const char *const names[][2] = {
		{"11", "北京市"},           {"12", "天津市"},         {"13", "河北省"},
		{"14", "山西省"},           {"15", "内蒙古自治区"},   {"21", "辽宁省"},
		{"22", "吉林省"},           {"23", "黑龙江省"},       {"31", "上海市"},
		{"32", "江苏省"},           {"33", "浙江省"},         {"34", "安徽省"},
		{"35", "福建省"},           {"36", "江西省"},         {"37", "山东省"},
		{"41", "河南省"},           {"42", "湖北省"},         {"43", "湖南省"},
		{"44", "广东省"},           {"45", "广西壮族自治区"}, {"46", "海南省"},
		{"50", "重庆市"},           {"51", "四川省"},         {"52", "贵州省"},
		{"53", "云南省"},           {"54", "西藏自治区"},     {"61", "陕西省"},
		{"62", "甘肃省"},           {"63", "青海省"},         {"64", "宁夏回族自治区"},
		{"65", "新疆维吾尔自治区"},
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strncmp(prefix, names[i][0], 2))
			return names[i][1];
	return "省";
}

const struct pa_demo_city pa_demo_default_city = {CITY, "天门市", CITY_LNG, CITY_LAT};

enum pa_err pa_demo_build(struct pa_app *app, const struct pa_demo_city *city, uint64_t seed,
			  FILE *out)
{
	struct build *b = calloc(1, sizeof *b);
	pa_arena_init(&b->ar);
	b->app = app;
	b->city = city;
	bool dflt = !strcmp(city->code, CITY);
	b->sfx = dflt ? "" : pa_sprintf(&b->ar, "_%s", city->code);
	b->seed = seed;
	b->rng.s = seed * 0x2545F4914F6CDD1Dull + 1;
	b->village_names = calloc(TOWNS_X * TOWNS_Y * 30, 64);
	b->village_unit = calloc(TOWNS_X * TOWNS_Y * 30, sizeof(int64_t));
	b->village_codes = calloc(TOWNS_X * TOWNS_Y * 30, 16);
	b->village_user = calloc(TOWNS_X * TOWNS_Y * 30, sizeof(int64_t));
	b->grid_user = calloc(TOWNS_X * TOWNS_Y * 120, sizeof(int64_t));
	/* One published password for every demo account: hashed once. */
	enum pa_err hrc = pa_password_hash(PA_DEMO_PASSWORD, b->pw_hash);
	lattice(b);
	enum pa_err rc = hrc ? hrc : pa_store_open_writer(app->store, &b->db);
	if (rc)
		goto out;
	json_t *existing = NULL;
	if (b->db->ops->region_get(b->db, b->city->code, &existing) == PA_OK) {
		json_decref(existing);
		rc = pa_errf(PA_CONFLICT, "db",
			     "the database already holds the city %s; "
			     "give a new file to --db, or another --city",
			     b->city->code);
		goto out;
	}
	if ((rc = b->db->ops->begin(b->db)))
		goto out;
	if ((rc = regions_and_units(b)) || (rc = users(b, out)))
		goto rollback;
	/* The grid index of the app is empty on a fresh database: build it from the
	 * lattice just written, so case points are located as intake would. */
	struct pa_geo_index *ix = pa_geo_index_new();
	for (int t = 0; t < TOWNS_X * TOWNS_Y; t++)
		for (int v = 0; v < 30; v++)
			for (int g = 0; g < 4; g++) {
				int bx = t % TOWNS_X, by = t / TOWNS_X;
				int i = bx * VILL_X * 2 + (v % VILL_X) * 2 + g % 2;
				int j = by * VILL_Y * 2 + (v / VILL_X) * 2 + g / 2;
				double xy[8] = {b->vx[i][j],         b->vy[i][j],
						b->vx[i + 1][j],     b->vy[i + 1][j],
						b->vx[i + 1][j + 1], b->vy[i + 1][j + 1],
						b->vx[i][j + 1],     b->vy[i][j + 1]};
				const struct town *tw = &b->towns[t];
				bool urban = strcmp(pa_demo_town_kind(t), "street") == 0;
				int ncomm = urban ? 20 : 3;
				char code[32];
				snprintf(code, sizeof code, "%s%03d%03d", tw->code,
					 (v < ncomm ? v + 1 : 201 + v - ncomm) % 1000,
					 (g + 1) % 1000);
				pa_geo_index_add(ix, code, NULL, xy, 4);
			}
	pa_geo_index_build(ix);
	pa_geo_index_free(app->geo);
	app->geo = ix;

	/* Midnight (CST) of today. */
	int64_t now = pa_now();
	int64_t today = now - ((now + 8 * 3600) % 86400);
	for (int i = 0; i < NCASES; i++)
		if ((rc = one_case(b, today, NULL)))
			goto rollback;
	/* and today's work for the accounts of the first town and village: reports waiting to
	 * be taken in, a case the village is to sign for, one in its hands */
	char town[16];
	snprintf(town, sizeof town, "%s101", b->city->code);
	const struct kind *neighbour = &kinds[0], *land = &kinds[1], *family = &kinds[2];
	const struct pin today_work[] = {
		{town, 0, 0, neighbour, 3, 0, false}, {town, 0, 1, neighbour, 2, 0, false},
		{town, 0, 2, land, 1, 0, false},      {town, 0, 0, neighbour, 6, 2, true},
		{town, 0, 3, family, 5, 2, true},     {town, 0, 1, family, 8, 3, true},
	};
	static_assert(sizeof today_work / sizeof *today_work == NTODAY, "NTODAY");
	for (size_t i = 0; i < sizeof today_work / sizeof *today_work; i++)
		if ((rc = one_case(b, today, &today_work[i])))
			goto rollback;
	if ((rc = b->db->ops->commit(b->db)))
		goto rollback;
	fprintf(out,
		"\nDemo city %s (%s): %d towns, %d villages and communities, %d grids, "
		"%d users, %d cases.\n",
		b->city->name, b->city->code, pa_demo_ntowns, pa_demo_ntowns * 30,
		pa_demo_ntowns * 120, b->nusers, NCASES + NTODAY);
	goto out;
rollback:
	b->db->ops->rollback(b->db);
out:
	if (b->db)
		b->db->ops->close(b->db);
	pa_arena_free(&b->ar);
	free(b->village_names);
	free(b->village_unit);
	free(b->village_codes);
	free(b->village_user);
	free(b->grid_user);
	free(b);
	return rc;
}
