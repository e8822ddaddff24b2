/* arena.h: a bump allocator for one request (or one job); everything is freed at once
 * by pa_arena_free. Not thread-safe: one arena belongs to one thread at a time. */
#ifndef PA_ARENA_H
#define PA_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct pa_arena_block;
struct pa_arena {
	struct pa_arena_block *head;
	size_t used, total;
};

void pa_arena_init(struct pa_arena *a);
/* Frees every block; the arena can be used again afterwards. NULL-safe. */
void pa_arena_free(struct pa_arena *a);
/* Forgets every allocation but keeps the first standard block for reuse (a request
 * arena that lives on a connection's thread). */
void pa_arena_reset(struct pa_arena *a);
/* Zeroed memory, aligned for any type; aborts on out-of-memory. */
void *pa_alloc(struct pa_arena *a, size_t n);
/* Room for one more element in an arena array of n elements of size bytes and capacity
 * *cap: the array itself, or a copy twice as large (the first has 4). */
void *pa_grow(struct pa_arena *a, void *arr, int n, int *cap, size_t size);
char *pa_strdup(struct pa_arena *a, const char *s);
char *pa_strndup(struct pa_arena *a, const char *s, size_t n);
char *pa_sprintf(struct pa_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
