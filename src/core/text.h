/* text.h: text helpers — UTF-8 length, and the search normal form that lets a search in
 * traditional characters find text written in simplified ones (and the reverse). */
#ifndef PA_TEXT_H
#define PA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Characters (code points) in valid UTF-8; an invalid byte counts as one. */
size_t pa_utf8_len(const char *s);
/* Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool pa_utf8_valid(const char *s);
/* The length in bytes (1 to 4) of the well-formed character s begins with, 0 if it is not
 * one (a NUL is 1). Reads no further than the first byte that breaks it. */
int pa_utf8_seq(const char *s);
/* The longest prefix of s of at most max bytes that does not split a character. */
size_t pa_utf8_cut(const char *s, size_t max);
/* Open the traditional→simplified converter (OpenCC t2s); false if unavailable, in which
 * case pa_text_fold only lower-cases. Call once before threads start. */
bool pa_text_init(void);
void pa_text_done(void);
/* Search normal form: traditional folded to simplified (by phrase where the text holds
 * traditional characters, else by character), ASCII lower-cased, runs of white space
 * made one space. Thread-safe. */
char *pa_text_fold(struct pa_arena *a, const char *s);
/* The same for a search query, always by phrase: a query of characters that are both
 * traditional and simplified (瞭解) still finds the simplified text (了解). */
char *pa_text_fold_query(struct pa_arena *a, const char *s);

#endif
