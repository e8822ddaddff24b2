/* geo.c: point-in-polygon and a uniform bucket grid over polygon bounding boxes. */
#include "core/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool pa_geo_valid(double lng, double lat)
{
	return isfinite(lng) && isfinite(lat) && lng >= -180 && lng <= 180 && lat >= -90 &&
	       lat <= 90;
}

bool pa_geo_contains(const double *xy, int n, double x, double y)
{
	bool in = false;
	for (int i = 0, j = n - 1; i < n; j = i++) {
		double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
		if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
			in = !in;
	}
	return in;
}

struct poly {
	char *code, *name;
	double *xy;
	int n;
	double minx, miny, maxx, maxy;
};

struct pa_geo_index {
	struct poly *p;
	int n, cap;
	/* buckets: cols x rows cells, each a list of polygon indices (CSR layout) */
	int cols, rows;
	double x0, y0, cw, ch;
	int *start; /* cols*rows+1 offsets into items */
	int *items;
};

struct pa_geo_index *pa_geo_index_new(void)
{
	return calloc(1, sizeof(struct pa_geo_index));
}

bool pa_geo_index_add(struct pa_geo_index *ix, const char *code, const char *name, const double *xy,
		      int n)
{
	if (n < 3)
		return false;
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 256;
		ix->p = realloc(ix->p, sizeof *ix->p * (size_t)ix->cap);
	}
	struct poly *p = &ix->p[ix->n++];
	p->code = strdup(code);
	p->name = name ? strdup(name) : NULL;
	p->xy = malloc(sizeof(double) * 2 * (size_t)n);
	memcpy(p->xy, xy, sizeof(double) * 2 * (size_t)n);
	p->n = n;
	p->minx = p->maxx = xy[0];
	p->miny = p->maxy = xy[1];
	for (int i = 1; i < n; i++) {
		p->minx = fmin(p->minx, xy[2 * i]);
		p->maxx = fmax(p->maxx, xy[2 * i]);
		p->miny = fmin(p->miny, xy[2 * i + 1]);
		p->maxy = fmax(p->maxy, xy[2 * i + 1]);
	}
	return true;
}

static void cell_range(const struct pa_geo_index *ix, double a, double b, double o, double w,
		       int lim, int *lo, int *hi)
{
	*lo = (int)floor((a - o) / w);
	*hi = (int)floor((b - o) / w);
	if (*lo < 0)
		*lo = 0;
	if (*hi >= lim)
		*hi = lim - 1;
	(void)ix;
}

void pa_geo_index_build(struct pa_geo_index *ix)
{
	free(ix->start);
	free(ix->items);
	ix->start = ix->items = NULL;
	if (!ix->n)
		return;
	double minx = ix->p[0].minx, miny = ix->p[0].miny, maxx = ix->p[0].maxx,
	       maxy = ix->p[0].maxy;
	for (int i = 1; i < ix->n; i++) {
		minx = fmin(minx, ix->p[i].minx);
		miny = fmin(miny, ix->p[i].miny);
		maxx = fmax(maxx, ix->p[i].maxx);
		maxy = fmax(maxy, ix->p[i].maxy);
	}
	/* About one polygon per cell on average. */
	int side = (int)ceil(sqrt((double)ix->n));
	ix->cols = ix->rows = side < 1 ? 1 : side;
	ix->x0 = minx;
	ix->y0 = miny;
	ix->cw = (maxx - minx) / ix->cols;
	ix->ch = (maxy - miny) / ix->rows;
	if (ix->cw <= 0)
		ix->cw = 1e-9;
	if (ix->ch <= 0)
		ix->ch = 1e-9;
	int ncell = ix->cols * ix->rows;
	ix->start = calloc((size_t)ncell + 1, sizeof(int));
	for (int pass = 0; pass < 2; pass++) {
		int *fill = pass ? calloc((size_t)ncell, sizeof(int)) : NULL;
		for (int i = 0; i < ix->n; i++) {
			int c0, c1, r0, r1;
			cell_range(ix, ix->p[i].minx, ix->p[i].maxx, ix->x0, ix->cw, ix->cols, &c0,
				   &c1);
			cell_range(ix, ix->p[i].miny, ix->p[i].maxy, ix->y0, ix->ch, ix->rows, &r0,
				   &r1);
			for (int r = r0; r <= r1; r++)
				for (int c = c0; c <= c1; c++) {
					int cell = r * ix->cols + c;
					if (pass)
						ix->items[ix->start[cell] + fill[cell]++] = i;
					else
						ix->start[cell + 1]++;
				}
		}
		if (!pass) {
			for (int k = 0; k < ncell; k++)
				ix->start[k + 1] += ix->start[k];
			ix->items = malloc(sizeof(int) * (size_t)(ix->start[ncell] + 1));
		}
		free(fill);
	}
}

const char *pa_geo_locate(const struct pa_geo_index *ix, double x, double y, const char **name)
{
	if (name)
		*name = NULL;
	if (!ix || !ix->start || !pa_geo_valid(x, y))
		return NULL;
	int c = (int)floor((x - ix->x0) / ix->cw), r = (int)floor((y - ix->y0) / ix->ch);
	/* The far edge of the bounding box belongs to the last cell. */
	if (c == ix->cols && x <= ix->x0 + ix->cw * ix->cols)
		c--;
	if (r == ix->rows && y <= ix->y0 + ix->ch * ix->rows)
		r--;
	if (c < 0 || r < 0 || c >= ix->cols || r >= ix->rows)
		return NULL;
	int cell = r * ix->cols + c;
	int best = -1;
	for (int k = ix->start[cell]; k < ix->start[cell + 1]; k++) {
		const struct poly *p = &ix->p[ix->items[k]];
		if (x < p->minx || x > p->maxx || y < p->miny || y > p->maxy)
			continue;
		/* Lowest insertion index wins, so a point on a shared edge has one answer. */
		if (pa_geo_contains(p->xy, p->n, x, y) && (best < 0 || ix->items[k] < best))
			best = ix->items[k];
	}
	if (best < 0)
		return NULL;
	if (name)
		*name = ix->p[best].name;
	return ix->p[best].code;
}

int pa_geo_index_count(const struct pa_geo_index *ix)
{
	return ix ? ix->n : 0;
}

void pa_geo_index_get(const struct pa_geo_index *ix, int i, const char **code, const char **name,
		      const double **xy, int *n)
{
	const struct poly *p = &ix->p[i];
	*code = p->code;
	*name = p->name;
	*xy = p->xy;
	*n = p->n;
}

void pa_geo_index_free(struct pa_geo_index *ix)
{
	if (!ix)
		return;
	for (int i = 0; i < ix->n; i++) {
		free(ix->p[i].code);
		free(ix->p[i].name);
		free(ix->p[i].xy);
	}
	free(ix->p);
	free(ix->start);
	free(ix->items);
	free(ix);
}
