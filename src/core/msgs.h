/* msgs.h: data/messages.conf, the simplified Chinese of every message pingan shows a person
 * (the details of pa_errf), loaded and checked at start-up and installed for pa_errf. */
#ifndef PA_MSGS_H
#define PA_MSGS_H

#include <stddef.h>

#include "core/err.h"

/* Parse and check a messages file's text: sections [messages] and [words] of rows
 * "en = English" each followed by "zh = 中文"; an English text given twice, a zh without its
 * en, an en without its zh, another key or section, or a Chinese format whose printf
 * conversions take other arguments than the English one's (the same types in the same order;
 * flags, width and precision may differ, "%.0s" leaving an English detail out; words take none)
 * is PA_DATA_FILE naming file:line:field. On success the tables are installed
 * (pa_err_set_messages) in place of the ones before, which are freed: call before any
 * thread that may set an error starts (pa_catalog_load at start-up does). */
enum pa_err pa_msgs_parse(const char *name, const char *text, size_t len);
enum pa_err pa_msgs_load(const char *path);

#endif
