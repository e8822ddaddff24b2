/* passwd.h: the password policy every password a person sets must meet, and the list of
 * common passwords it refuses (data/common-passwords.txt). Pure; a loaded list is
 * immutable and may be read from any thread.
 *
 * A password is refused when it
 *   - has fewer than PA_PASSWORD_MIN characters (Unicode characters) or more than
 *     PA_PASSWORD_MAX;
 *   - is digits alone (dates, phone and ID numbers: the first things guessed);
 *   - is on the list, compared without regard to case, as written or with look-alike
 *     characters read back (p@ssw0rd is password), whole or with the digits and symbols
 *     at either end stripped (Pingan@2026 is pingan, 123456qwe is qwe);
 *   - holds the username (of three characters or more), without regard to case;
 *   - is one piece repeated (woainiwoaini);
 *   - is mostly predictable steps: more than half of its characters repeat the one before,
 *     follow it in the alphabet or digits (abc, 321), or sit beside it on the keyboard
 *     (qwer, 1qaz). */
#ifndef PA_PASSWD_H
#define PA_PASSWD_H

#include <stddef.h>

#include "core/err.h"

#define PA_PASSWORD_MIN 12
#define PA_PASSWORD_MAX 128

struct pa_pwlist;

/* Read the list: one password a line, # comments and blank lines ignored. PA_DATA_FILE
 * naming the file and line on a problem. */
enum pa_err pa_pwlist_load(const char *path, struct pa_pwlist **out);
/* The same from text in memory (name is used in messages). */
enum pa_err pa_pwlist_parse(const char *name, const char *text, size_t len, struct pa_pwlist **out);
void pa_pwlist_free(struct pa_pwlist *l);
int pa_pwlist_count(const struct pa_pwlist *l);

/* PA_OK if pw meets the policy; else PA_BAD_FIELD naming field, with a message saying why
 * (never echoing the password). username may be NULL. */
enum pa_err pa_password_check(const char *pw, const char *username, const struct pa_pwlist *l,
			      const char *field);

#endif
