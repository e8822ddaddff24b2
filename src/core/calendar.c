/* calendar.c: loads the per-year holiday files into one bitmap of working days and answers
 * deadline questions from it by counting bits, so a 60-day limit costs a few word reads. */
#include "core/calendar.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/conf.h"

#define MAX_FILE   (1 << 20)
#define MAX_NAME   200 /* bytes of a day's name */
#define NYEARS     (PA_CALENDAR_MAX_YEAR - PA_CALENDAR_MIN_YEAR + 1)
#define DAY        86400
#define CST_OFFSET (8 * 3600)

/* A listed date, kept for its name. */
struct named {
	int64_t day;
	int pass; /* 0 mainland, 1 city: the later pass wins a date listed in both */
	const char *name;
};

struct pa_calendar {
	int64_t lo, hi; /* day numbers (days since 1970-01-01) the bitmap covers: [lo, hi) */
	uint64_t *bits; /* bit d - lo set: day d is a working day */
	bool published[NYEARS];
	int nnamed;
	struct named *named;   /* sorted by day, one per day */
	struct pa_arena arena; /* owns everything */
};

/* ---- day arithmetic ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t day_number(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The CST day of unix time t, without overflow at the ends of int64_t. */
static int64_t cst_day(int64_t t)
{
	int64_t q = t / DAY, r = t % DAY;
	if (r < 0) {
		q--;
		r += DAY;
	}
	return r + CST_OFFSET >= DAY ? q + 1 : q;
}

/* 24:00 CST of day d as unix seconds, saturating where int64_t ends. */
static int64_t day_end(int64_t d)
{
	if (d >= INT64_MAX / DAY - 1)
		return INT64_MAX;
	return (d + 1) * DAY - CST_OFFSET;
}

static bool plain_workday(int64_t d)
{
	int64_t wd = d - 7 * floor_div(d, 7); /* 0 = Thursday 1970-01-01 */
	return wd != 2 && wd != 3;            /* Saturday, Sunday */
}

/* Monday–Friday days in [day 4 (Monday 1970-01-05), d) — negative before it. */
static int64_t plain_before(int64_t d)
{
	int64_t w = floor_div(d - 4, 7);
	int64_t r = d - 4 - 7 * w;
	return 5 * w + (r < 5 ? r : 5);
}

static int days_in_month(int y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : n[m - 1];
}

static bool valid_date(int y, int m, int d)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* ---- queries ---- */

static bool workday(const struct pa_calendar *c, int64_t d)
{
	if (!c || d < c->lo || d >= c->hi)
		return plain_workday(d);
	uint64_t i = (uint64_t)(d - c->lo);
	return (c->bits[i / 64] >> (i % 64)) & 1u;
}

/* Set bits among bitmap indexes i..j (inclusive, i <= j). */
static int64_t bits_between(const uint64_t *bits, uint64_t i, uint64_t j)
{
	uint64_t wi = i / 64, wj = j / 64;
	uint64_t first = ~0ull << (i % 64), last = ~0ull >> (63 - j % 64);
	if (wi == wj)
		return __builtin_popcountll(bits[wi] & first & last);
	int64_t n = __builtin_popcountll(bits[wi] & first) + __builtin_popcountll(bits[wj] & last);
	for (uint64_t w = wi + 1; w < wj; w++)
		n += __builtin_popcountll(bits[w]);
	return n;
}

/* Working days among days a..b (inclusive); 0 if b < a. */
static int64_t count(const struct pa_calendar *c, int64_t a, int64_t b)
{
	if (b < a)
		return 0;
	if (!c)
		return plain_before(b + 1) - plain_before(a);
	int64_t n = 0;
	if (a < c->lo) /* before the bitmap: plain weeks */
		n += plain_before((b < c->lo ? b : c->lo - 1) + 1) - plain_before(a);
	if (b >= c->hi)
		n += plain_before(b + 1) - plain_before(a > c->hi ? a : c->hi);
	int64_t x = a > c->lo ? a : c->lo, y = b < c->hi - 1 ? b : c->hi - 1;
	if (x <= y)
		n += bits_between(c->bits, (uint64_t)(x - c->lo), (uint64_t)(y - c->lo));
	return n;
}

/* The n-th working day after day d (n >= 1): the least e with count(d+1, e) >= n. */
static int64_t nth_after(const struct pa_calendar *c, int64_t d, int n)
{
	int64_t span = 7 * ((int64_t)n / 5 + 2);
	while (count(c, d + 1, d + span) < n) /* more holidays than plain weeks have */
		span *= 2;
	int64_t l = d + 1, h = d + span;
	while (l < h) {
		int64_t mid = l + (h - l) / 2;
		if (count(c, d + 1, mid) >= n)
			h = mid;
		else
			l = mid + 1;
	}
	return l;
}

bool pa_calendar_is_workday(const struct pa_calendar *c, int y, int m, int d)
{
	return valid_date(y, m, d) && workday(c, day_number(y, m, d));
}

static int cmp_day(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	return x->day < y->day ? -1 : x->day > y->day;
}

/* By day, then mainland before city, so the city's entry is the last of its day. */
static int cmp_named(const void *a, const void *b)
{
	int r = cmp_day(a, b);
	return r ? r : ((const struct named *)a)->pass - ((const struct named *)b)->pass;
}

const char *pa_calendar_day_name(const struct pa_calendar *c, int y, int m, int d)
{
	if (!c || !valid_date(y, m, d))
		return NULL;
	struct named key = {.day = day_number(y, m, d)};
	const struct named *hit = bsearch(&key, c->named, (size_t)c->nnamed, sizeof key, cmp_day);
	return hit ? hit->name : NULL;
}

bool pa_calendar_year_published(const struct pa_calendar *c, int year)
{
	return c && year >= PA_CALENDAR_MIN_YEAR && year <= PA_CALENDAR_MAX_YEAR &&
	       c->published[year - PA_CALENDAR_MIN_YEAR];
}

int64_t pa_calendar_add_workdays(const struct pa_calendar *c, int64_t start, int days)
{
	int64_t d = cst_day(start);
	if (days <= 0)
		return day_end(workday(c, d) ? d : nth_after(c, d, 1));
	return day_end(nth_after(c, d, days));
}

int64_t pa_calendar_add_days(const struct pa_calendar *c, int64_t start, int days)
{
	int64_t d = cst_day(start) + (days > 0 ? days : 0);
	return day_end(workday(c, d) ? d : nth_after(c, d, 1));
}

int pa_calendar_workdays_between(const struct pa_calendar *c, int64_t from, int64_t to)
{
	if (to <= from)
		return 0;
	int64_t n = count(c, cst_day(from) + 1, cst_day(to - 1));
	return n > INT_MAX ? INT_MAX : (int)n;
}

int64_t pa_calendar_add_hours(int64_t start, int hours)
{
	if (hours <= 0)
		return start;
	int64_t s = (int64_t)hours * 3600;
	return start > INT64_MAX - s ? INT64_MAX : start + s;
}

/* ---- loading ---- */

static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		int n; /* continuation bytes */
		if (*s < 0x80)
			n = 0;
		else if (*s >= 0xC2 && *s <= 0xDF)
			n = 1;
		else if ((*s & 0xF0) == 0xE0)
			n = 2;
		else if (*s >= 0xF0 && *s <= 0xF4)
			n = 3;
		else
			return false;
		uint32_t cp = n ? *s & (0x3Fu >> n) : *s;
		for (int k = 1; k <= n; k++) {
			if ((s[k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[k] & 0x3Fu);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		s += n + 1;
	}
	return true;
}

static bool is_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int atoin(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = 0;
	return s;
}

struct loader {
	struct pa_calendar *c;
	struct named *named; /* malloc'd while loading */
	int nnamed, cap;
};

/* One row "date<TAB>kind<TAB>name" of a file for `year`; lines[] holds, per day of the
 * year, the line that listed it (duplicates). */
static enum pa_err load_row(struct loader *L, const char *path, int lineno, char *line, int year,
			    int pass, int lines[366])
{
	char *col[4] = {0};
	int ncol = 0;
	for (char *p = line; p && ncol < 4; ncol++) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab++ = 0;
		col[ncol] = trim(p);
		p = tab;
	}
	const char *ds = col[0];
	if (strlen(ds) != 10 || !is_digits(ds, 4) || ds[4] != '-' || !is_digits(ds + 5, 2) ||
	    ds[7] != '-' || !is_digits(ds + 8, 2)) {
		if (ncol == 1 && strchr(ds, ' '))
			return pa_data_file_err(
				path, lineno, "date",
				"columns must be separated by tabs: date<TAB>kind<TAB>name");
		return pa_data_file_err(path, lineno, "date", "\"%s\" is not a date (YYYY-MM-DD)",
					ds);
	}
	int y = atoin(ds, 4), m = atoin(ds + 5, 2), d = atoin(ds + 8, 2);
	if (m < 1 || m > 12)
		return pa_data_file_err(path, lineno, "date", "\"%s\" has no month %d", ds, m);
	if (d < 1 || d > days_in_month(y, m))
		return pa_data_file_err(path, lineno, "date",
					"\"%s\" is not a real date (%04d-%02d has %d days)", ds, y,
					m, days_in_month(y, m));
	if (y != year)
		return pa_data_file_err(path, lineno, "date",
					"%s is not in %d, the year of the file name", ds, year);
	int64_t day = day_number(y, m, d);
	int doy = (int)(day - day_number(y, 1, 1));
	if (lines[doy])
		return pa_data_file_err(path, lineno, "date", "%s listed twice (first on line %d)",
					ds, lines[doy]);
	lines[doy] = lineno;

	if (ncol < 2 || !*col[1])
		return pa_data_file_err(path, lineno, "kind",
					"missing (columns: date<TAB>kind<TAB>name)");
	bool on;
	if (strcmp(col[1], "workday") == 0)
		on = true;
	else if (strcmp(col[1], "holiday") == 0)
		on = false;
	else
		return pa_data_file_err(path, lineno, "kind", "\"%s\" is not holiday or workday",
					col[1]);

	if (ncol < 3 || !*col[2])
		return pa_data_file_err(path, lineno, "name",
					"missing (columns: date<TAB>kind<TAB>name)");
	if (ncol > 3)
		return pa_data_file_err(path, lineno, "name",
					"more than three columns (date<TAB>kind<TAB>name)");
	if (strlen(col[2]) > MAX_NAME)
		return pa_data_file_err(path, lineno, "name", "longer than %d bytes", MAX_NAME);
	if (!utf8_valid((const unsigned char *)col[2]))
		return pa_data_file_err(path, lineno, "name",
					"not valid UTF-8 (save the file as UTF-8)");

	struct pa_calendar *c = L->c;
	uint64_t i = (uint64_t)(day - c->lo);
	if (on)
		c->bits[i / 64] |= 1ull << (i % 64);
	else
		c->bits[i / 64] &= ~(1ull << (i % 64));
	if (L->nnamed == L->cap) {
		int cap = L->cap ? L->cap * 2 : 128;
		struct named *n = realloc(L->named, sizeof *n * (size_t)cap);
		if (!n)
			return pa_errf(PA_INTERNAL, NULL, "out of memory");
		L->named = n;
		L->cap = cap;
	}
	L->named[L->nnamed++] = (struct named){day, pass, pa_strdup(&c->arena, col[2])};
	return PA_OK;
}

static enum pa_err load_file(struct loader *L, const char *path, int year, int pass)
{
	char *text;
	enum pa_err rc = pa_data_file_read(path, MAX_FILE, &text, NULL);
	if (rc)
		return rc;
	int lines[366] = {0};
	int lineno = 0, rows = 0;
	bool header_ok = true; /* a header row may come before the first date */
	char *p = text;
	/* A UTF-8 byte-order mark is tolerated: spreadsheet tools write one. */
	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (*p) {
		lineno++;
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		if (eol)
			*eol = 0;
		char *line = trim(p);
		p = next;
		if (!*line || *line == '#')
			continue;
		if (header_ok && strncmp(line, "date", 4) == 0 &&
		    (line[4] == '\t' || line[4] == ' ' || !line[4])) {
			header_ok = false;
			continue;
		}
		header_ok = false;
		if ((rc = load_row(L, path, lineno, line, year, pass, lines)))
			break;
		rows++;
	}
	if (!rc && pass == 0 && rows)
		L->c->published[year - PA_CALENDAR_MIN_YEAR] = true;
	free(text);
	return rc;
}

/* Year of "<prefix>-YYYY.tsv", 0 when name is not of that form, -1 when the year part is
 * wrong. */
static int file_year(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix), nl = strlen(name);
	if (nl < pl + 1 + 4 || strncmp(name, prefix, pl) != 0 || name[pl] != '-' ||
	    strcmp(name + nl - 4, ".tsv") != 0)
		return 0;
	const char *y = name + pl + 1;
	if (nl != pl + 1 + 4 + 4 || !is_digits(y, 4))
		return -1;
	int year = atoin(y, 4);
	return year < PA_CALENDAR_MIN_YEAR || year > PA_CALENDAR_MAX_YEAR ? -1 : year;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of `prefix` in dir, in name (= year) order; *n gets how many were loaded. */
static enum pa_err load_files(struct loader *L, const char *dir, const char *prefix, int pass,
			      int *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return pa_errf(PA_DATA_FILE, NULL, "%s: cannot open the directory: %s", dir,
			       strerror(errno));
	struct pa_arena *a = &L->c->arena;
	char **names = NULL;
	int cnt = 0, cap = 0;
	enum pa_err rc = PA_OK;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || file_year(e->d_name, prefix) == 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			char **v = realloc(names, sizeof *v * (size_t)cap);
			if (!v) {
				rc = pa_errf(PA_INTERNAL, NULL, "out of memory");
				goto out;
			}
			names = v;
		}
		names[cnt++] = pa_strdup(a, e->d_name);
	}
	if (cnt)
		qsort(names, (size_t)cnt, sizeof *names, cmp_str);
	for (int i = 0; i < cnt; i++) {
		const char *path = pa_sprintf(a, "%s/%s", dir, names[i]);
		int year = file_year(names[i], prefix);
		if (year < 0) {
			rc = pa_errf(PA_DATA_FILE, "file",
				     "%s: the name must be %s-YYYY.tsv with a year from %d to %d",
				     path, prefix, PA_CALENDAR_MIN_YEAR, PA_CALENDAR_MAX_YEAR);
			goto out;
		}
		if ((rc = load_file(L, path, year, pass)))
			goto out;
		(*n)++;
	}
out:
	closedir(d);
	free(names);
	return rc;
}

static bool city_code_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 32 || strcmp(s, "mainland") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

enum pa_err pa_calendar_load(const char *dir, const char *city, struct pa_calendar **out)
{
	*out = NULL;
	if (city && !city_code_ok(city))
		return pa_errf(PA_DATA_FILE, "city",
			       "\"%s\" is not a city code for calendar files (letters, digits, _)",
			       city);
	struct pa_calendar *c = calloc(1, sizeof *c);
	if (!c)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	pa_arena_init(&c->arena);
	c->lo = day_number(PA_CALENDAR_MIN_YEAR, 1, 1);
	c->hi = day_number(PA_CALENDAR_MAX_YEAR + 1, 1, 1);
	c->bits = pa_alloc(&c->arena, sizeof *c->bits * (size_t)((c->hi - c->lo + 63) / 64));
	for (int64_t d = c->lo; d < c->hi; d++)
		if (plain_workday(d))
			c->bits[(d - c->lo) / 64] |= 1ull << ((d - c->lo) % 64);

	struct loader L = {.c = c};
	int n;
	enum pa_err rc = load_files(&L, dir, "mainland", 0, &n);
	if (rc)
		goto fail;
	if (!n) {
		rc = pa_errf(PA_DATA_FILE, NULL,
			     "%s: no mainland-YYYY.tsv file (the State Council's holiday "
			     "arrangement per year)",
			     dir);
		goto fail;
	}
	if (city && (rc = load_files(&L, dir, city, 1, &n)))
		goto fail;

	/* One name per date; a city's entry replaces the mainland's (later pass sorts last). */
	if (L.nnamed)
		qsort(L.named, (size_t)L.nnamed, sizeof *L.named, cmp_named);
	c->named = pa_alloc(&c->arena, sizeof *c->named * (size_t)(L.nnamed + 1));
	for (int i = 0; i < L.nnamed; i++) {
		if (c->nnamed && c->named[c->nnamed - 1].day == L.named[i].day)
			c->nnamed--;
		c->named[c->nnamed++] = L.named[i];
	}
	free(L.named);
	*out = c;
	return PA_OK;
fail:
	free(L.named);
	pa_calendar_free(c);
	return rc;
}

void pa_calendar_free(struct pa_calendar *c)
{
	if (!c)
		return;
	pa_arena_free(&c->arena);
	free(c);
}
