/* arena.c: block-chained bump allocator; large requests get their own block. */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 8192

struct pa_arena_block {
	struct pa_arena_block *next;
	size_t cap, off;
	max_align_t data[];
};

void pa_arena_init(struct pa_arena *a)
{
	memset(a, 0, sizeof *a);
}

void pa_arena_free(struct pa_arena *a)
{
	if (!a)
		return;
	struct pa_arena_block *b = a->head;
	while (b) {
		struct pa_arena_block *n = b->next;
		free(b);
		b = n;
	}
	memset(a, 0, sizeof *a);
}

/* Uninitialised memory (for copies that fill it at once). */
static void *alloc_raw(struct pa_arena *a, size_t n)
{
	const size_t al = _Alignof(max_align_t);
	n = (n + al - 1) & ~(al - 1);
	if (n == 0)
		n = al;
	struct pa_arena_block *b = a->head;
	if (!b || b->cap - b->off < n) {
		size_t cap = n > BLOCK_SIZE / 2 ? n : BLOCK_SIZE;
		b = malloc(sizeof *b + cap);
		if (!b) {
			fputs("pingan: out of memory\n", stderr);
			abort();
		}
		b->cap = cap;
		b->off = 0;
		/* A big private block goes behind the current one so the current keeps filling. */
		if (a->head && cap != BLOCK_SIZE) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->total += cap;
	}
	void *p = (char *)b->data + b->off;
	b->off += n;
	a->used += n;
	return p;
}

void pa_arena_reset(struct pa_arena *a)
{
	struct pa_arena_block *keep = NULL, *b = a->head;
	while (b) {
		struct pa_arena_block *n = b->next;
		if (!keep && b->cap == BLOCK_SIZE)
			keep = b;
		else
			free(b);
		b = n;
	}
	memset(a, 0, sizeof *a);
	if (keep) {
		keep->next = NULL;
		keep->off = 0;
		a->head = keep;
		a->total = keep->cap;
	}
}

void *pa_alloc(struct pa_arena *a, size_t n)
{
	void *p = alloc_raw(a, n);
	memset(p, 0, n);
	return p;
}

void *pa_grow(struct pa_arena *a, void *arr, int n, int *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 4;
	void *p = pa_alloc(a, size * (size_t)*cap);
	if (n)
		memcpy(p, arr, size * (size_t)n);
	return p;
}

char *pa_strndup(struct pa_arena *a, const char *s, size_t n)
{
	char *p = alloc_raw(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *pa_strdup(struct pa_arena *a, const char *s)
{
	return s ? pa_strndup(a, s, strlen(s)) : NULL;
}

char *pa_sprintf(struct pa_arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = pa_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	if (n > 0)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}
