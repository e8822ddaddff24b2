/* text.c: UTF-8 counting and the search fold (OpenCC t2s + ASCII case fold). */
#include "core/text.h"

#include <opencc/opencc.h>
#include <pthread.h>
#include <string.h>

static opencc_t cc = (opencc_t)-1;
static pthread_mutex_t cc_mu = PTHREAD_MUTEX_INITIALIZER;

size_t pa_utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

bool pa_text_init(void)
{
	if (cc != (opencc_t)-1)
		return true;
	cc = opencc_open("t2s.json");
	return cc != (opencc_t)-1;
}

void pa_text_done(void)
{
	if (cc != (opencc_t)-1)
		opencc_close(cc);
	cc = (opencc_t)-1;
}

char *pa_text_fold(struct pa_arena *a, const char *s)
{
	const char *src = s ? s : "";
	char *conv = NULL;
	if (cc != (opencc_t)-1) {
		/* OpenCC does not promise a converter is safe to share between threads. */
		pthread_mutex_lock(&cc_mu);
		conv = opencc_convert_utf8(cc, src, strlen(src));
		pthread_mutex_unlock(&cc_mu);
	}
	const char *in = conv ? conv : src;
	size_t n = strlen(in);
	char *out = pa_alloc(a, n + 1), *o = out;
	bool space = true;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!space)
				*o++ = ' ';
			space = true;
			continue;
		}
		space = false;
		*o++ = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = 0;
	if (conv)
		opencc_convert_utf8_free(conv);
	return out;
}
