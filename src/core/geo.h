/* geo.h: polygons in lng/lat and an in-memory index answering "which grid holds this
 * point". Build once, then pa_geo_locate may be called from any thread. */
#ifndef PA_GEO_H
#define PA_GEO_H

#include <stdbool.h>

/* Even-odd rule; xy holds n (lng, lat) pairs, the ring closed or not. */
bool pa_geo_contains(const double *xy, int n, double x, double y);
/* Valid coordinates: finite, lng in [-180,180], lat in [-90,90]. */
bool pa_geo_valid(double lng, double lat);

struct pa_geo_index;
struct pa_geo_index *pa_geo_index_new(void);
/* Copies code, name (may be NULL) and ring. False for a ring of fewer than 3 points. */
bool pa_geo_index_add(struct pa_geo_index *ix, const char *code, const char *name, const double *xy,
		      int n);
/* Call after the last add and before the first locate. */
void pa_geo_index_build(struct pa_geo_index *ix);
/* Code of the first polygon holding the point, or NULL; *name (when name is not NULL)
 * gets its name. The strings live as long as ix. */
const char *pa_geo_locate(const struct pa_geo_index *ix, double lng, double lat, const char **name);
int pa_geo_index_count(const struct pa_geo_index *ix);
/* Polygon i (0 ≤ i < count), in the order added: its code, name (NULL if none) and ring. */
void pa_geo_index_get(const struct pa_geo_index *ix, int i, const char **code, const char **name,
		      const double **xy, int *n);
void pa_geo_index_free(struct pa_geo_index *ix);

#endif
