/*
 * workq.h - a small pool of worker threads for CPU-heavy jobs (password
 * hashing now, image work later), so the loop thread never blocks on them.
 *
 * A job is a `struct work` embedded in the caller's struct.  run() executes
 * on a worker; done() then executes on the loop thread, from workq_drain(),
 * which the loop calls after `wake` (lws_cancel_service) fires.  The queue
 * is bounded: workq_submit() refuses with -EBUSY rather than pile up work.
 */
#ifndef REFDESK_BASE_WORKQ_H
#define REFDESK_BASE_WORKQ_H

#include <stddef.h>

struct work {
	struct work *next;
	void (*run)(struct work *w);  /* worker thread */
	void (*done)(struct work *w); /* loop thread */
};

struct workq;

/*
 * Start `threads` workers named `name` (up to 15 characters: what top -H
 * shows) accepting at most `max_queued` waiting jobs; `on_exit` (may be
 * NULL) runs on each worker as it ends.
 */
struct workq *workq_new(const char *name, int threads, size_t max_queued,
			void (*wake)(void *), void *wake_arg, void (*on_exit)(void));
/* Finish queued jobs, join the workers, run the remaining done()s. */
void workq_free(struct workq *q);
/* Loop thread: queue a job; -EBUSY when the queue is full. */
int workq_submit(struct workq *q, struct work *w);
/* True while jobs wait, run, or wait for their done(). */
int workq_busy(struct workq *q);
/* Jobs waiting for a worker now (for /metrics; one lock). */
size_t workq_queued(struct workq *q);

/* Loop thread: run done() for every finished job. */
void workq_drain(struct workq *q);

#endif
