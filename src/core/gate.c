/* gate.c: a counting gate on a mutex and condition variable (see gate.h). */
#include "core/gate.h"

#include <time.h>

bool pa_gate_enter(struct pa_gate *g, int wait_s)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	pthread_mutex_lock(&g->mu);
	int rc = 0;
	while (g->free == 0 && rc == 0)
		rc = pthread_cond_timedwait(&g->cv, &g->mu, &until);
	bool in = g->free > 0;
	if (in)
		g->free--;
	pthread_mutex_unlock(&g->mu);
	return in;
}

void pa_gate_leave(struct pa_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->free++;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
}
