/* gate.h: at most N at a time through a costly section (password hashing, laying out a
 * PDF), so a burst cannot exhaust memory or starve the rest; one kept waiting too long is
 * turned away instead. Statically initialised, thread-safe. */
#ifndef PA_GATE_H
#define PA_GATE_H

#include <pthread.h>
#include <stdbool.h>

struct pa_gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int free; /* places left */
};

#define PA_GATE_INIT(n)                                                  \
	{                                                                \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, (n) \
	}

/* Take a place, waiting at most wait_s seconds; false if none came free in time. */
bool pa_gate_enter(struct pa_gate *g, int wait_s);
void pa_gate_leave(struct pa_gate *g);

#endif
