/* pii.h: checks and masks for personal data — resident ID numbers (GB 11643) and
 * phone numbers. Pure functions, thread-safe. */
#ifndef PA_PII_H
#define PA_PII_H

#include <stdbool.h>
#include <stddef.h>

/* 18 characters, digits with a final digit or X, a real birth date, valid check digit. */
bool pa_idno_valid(const char *s);
/* A mainland mobile (1[3-9] + 9 digits) or a landline (0 + 2-3 digit area, optional '-',
 * 7-8 digits). */
bool pa_phone_valid(const char *s);
/* Masked copies into out: ID "429006********123X" keeps 6 + last 4; phone keeps 3 + last 4. */
void pa_mask_idno(const char *s, char *out, size_t cap);
void pa_mask_phone(const char *s, char *out, size_t cap);

#endif
