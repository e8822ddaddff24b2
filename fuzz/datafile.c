/* datafile.c: fuzz target — one data file replaced by the input, then loaded as pingan
 * serve loads it at start. The input's first line names the file under data/
 * ("case-types/dispute.conf", "roles.conf", "calendar/mainland-2026.tsv", or a city's
 * calendar "calendar/429006-2026.tsv"; a name it does not know picks one by its bytes),
 * the rest is the file. The whole catalog is loaded from a copy of data/ with that file in
 * place (roles, channels, lifecycles, case types, limits, routing); a loaded catalog is
 * rendered as GET /api/v1/case-types renders it; routing.conf is parsed a second time as a
 * PUT /api/v1/routing body is; documents.conf is loaded against the catalog as serve does;
 * a calendar is loaded and must keep the promises calendar.h makes of its working-day
 * arithmetic. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "core/clock.h"
#include "fuzz/fuzz.h"
#include "service/app.h"

static const char *dir;          /* the copy of data/ */
static struct pa_catalog *ships; /* the catalog as shipped, for routing text */
static char *names[64];          /* relative paths of the files that may be replaced */
static char *texts[64];          /* their shipped text (NULL: not shipped, removed after) */
static size_t lens[64];
static int nnames;

static void add_name(const char *rel, const char *text, size_t len)
{
	if (nnames == 64)
		fz_fail("more than 64 data files");
	names[nnames] = strdup(rel);
	texts[nnames] = text ? malloc(len + 1) : NULL;
	if (text)
		memcpy(texts[nnames], text, len);
	lens[nnames++] = len;
}

static void write_file(const char *rel, const void *text, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		fz_fail("cannot write %s", path);
}

/* Every file of data/ (sub)directory sub, copied into the temporary one. */
static void copy_dir(const char *sub)
{
	char from[1024], to[1024];
	snprintf(from, sizeof from, "%s/%s", PA_DATADIR, sub);
	snprintf(to, sizeof to, "%s/%s", dir, sub);
	DIR *d = opendir(from);
	if (!d)
		fz_fail("cannot read %s", from);
	char cmd[2200];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", to);
	if (system(cmd) != 0)
		fz_fail("cannot make %s", to);
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		bool conf = n > 5 && strcmp(e->d_name + n - 5, ".conf") == 0;
		bool tsv = n > 4 && (strcmp(e->d_name + n - 4, ".tsv") == 0 ||
				     strcmp(e->d_name + n - 4, ".txt") == 0);
		if (e->d_name[0] == '.' || (!conf && !tsv))
			continue;
		char path[1300], rel[300];
		snprintf(path, sizeof path, "%s/%s", from, e->d_name);
		snprintf(rel, sizeof rel, "%s%s%s", sub, *sub ? "/" : "", e->d_name);
		FILE *f = fopen(path, "rb");
		char *text = malloc(1 << 20);
		size_t len = f ? fread(text, 1, 1 << 20, f) : 0;
		if (f)
			fclose(f);
		add_name(rel, text, len);
		write_file(rel, text, len);
		free(text);
	}
	closedir(d);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fz_temp_dir("data");
	copy_dir("");
	copy_dir("lifecycles");
	copy_dir("case-types");
	copy_dir("calendar");
	add_name("calendar/429006-2026.tsv", NULL, 0);
	/* names sorted so the pick by bytes is the same on every machine */
	for (int i = 0; i < nnames; i++)
		for (int j = i + 1; j < nnames; j++)
			if (cmp(&names[j], &names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j], names[j] = t;
				t = texts[i], texts[i] = texts[j], texts[j] = t;
				size_t l = lens[i];
				lens[i] = lens[j], lens[j] = l;
			}
	if (pa_catalog_load(dir, &ships))
		fz_fail("the shipped data does not load: %s", pa_err_last()->message);
	return 0;
}

static void check_calendar(const struct pa_calendar *cal, const uint8_t *data, size_t size)
{
	/* starts spread over the years the files may name, picked by the input's bytes */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	for (int k = 0; k < 4; k++, h = h * 1103515245u + 12345u) {
		int64_t start = 1735660800 + (int64_t)(h % (4u * 366u)) * 86400 + (h >> 20) % 86400;
		int n = 1 + (int)(h >> 8) % 60;
		int64_t due = pa_calendar_add_workdays(cal, start, n);
		if (pa_calendar_workdays_between(cal, start, due) != n ||
		    pa_calendar_workdays_between(cal, start, due - 86400) != n - 1)
			fz_fail("%d working days from %lld end at %lld, which counts %d", n,
				(long long)start, (long long)due,
				pa_calendar_workdays_between(cal, start, due));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *text;
	size_t len;
	char *rel = fz_head(data, size, &text, &len);
	int pick = -1;
	for (int i = 0; i < nnames && pick < 0; i++)
		if (strcmp(names[i], rel) == 0)
			pick = i;
	if (pick < 0) {
		uint32_t h = 0;
		for (const char *p = rel; *p; p++)
			h = h * 31 + (unsigned char)*p;
		pick = (int)(h % (uint32_t)nnames);
	}
	write_file(names[pick], text, len);
	if (strncmp(names[pick], "calendar/", 9) == 0) {
		char caldir[1100];
		snprintf(caldir, sizeof caldir, "%s/calendar", dir);
		struct pa_calendar *cal;
		if (pa_calendar_load(caldir, "429006", &cal) == PA_OK)
			check_calendar(cal, text, len);
		pa_calendar_free(cal);
	} else {
		struct pa_catalog *cat;
		if (pa_catalog_load(dir, &cat) == PA_OK) {
			json_t *j = pa_case_types_json(cat);
			char *s = json_dumps(j, JSON_COMPACT);
			fz_json_ok("the case types", s, strlen(s), false);
			free(s);
			json_decref(j);
			static struct pa_app app; /* the documents need the catalog alone */
			app.cat = cat;
			if (pa_documents_load(&app, dir) == PA_OK)
				pa_documents_free(&app);
			app.cat = NULL;
			pa_catalog_free(cat);
		}
		if (strcmp(names[pick], "routing.conf") == 0) {
			struct pa_routing *rt;
			if (pa_routing_parse(ships, "rules", (const char *)text, len, &rt) ==
				    PA_OK &&
			    !pa_routing_match(rt, "dispute", "neighbour", "429006101001001",
					      "walk_in"))
				fz_fail("a routing table without a last rule for every case");
			pa_routing_free(rt);
		}
	}
	/* the shipped file back (or none, for one that is not shipped) */
	if (texts[pick])
		write_file(names[pick], texts[pick], lens[pick]);
	else {
		char path[1100];
		snprintf(path, sizeof path, "%s/%s", dir, names[pick]);
		remove(path);
	}
	free(rel);
	return 0;
}
