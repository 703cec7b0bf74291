/*
 * workq.c - see workq.h.  One mutex guards a FIFO of waiting jobs and a FIFO
 * of finished ones; workers sleep on a condition variable.
 */
#include "base/workq.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/util.h"

struct fifo {
	struct work *head, *tail;
};

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t *threads;
	int nthreads;
	size_t queued, max_queued;
	size_t in_flight; /* submitted, done() not yet run */
	struct fifo waiting, finished;
	int stopping;
	void (*wake)(void *);
	void *wake_arg;
	void (*on_exit)(void);
};

static void fifo_push(struct fifo *f, struct work *w)
{
	w->next = NULL;
	if (f->tail)
		f->tail->next = w;
	else
		f->head = w;
	f->tail = w;
}

static struct work *fifo_pop(struct fifo *f)
{
	struct work *w = f->head;

	if (w) {
		f->head = w->next;
		if (!f->head)
			f->tail = NULL;
	}
	return w;
}

static void *worker_main(void *arg)
{
	struct workq *q = arg;
	struct work *w;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->waiting.head && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		w = fifo_pop(&q->waiting);
		if (!w)
			break;
		q->queued--;
		pthread_mutex_unlock(&q->lock);
		w->run(w);
		pthread_mutex_lock(&q->lock);
		fifo_push(&q->finished, w);
		pthread_mutex_unlock(&q->lock);
		q->wake(q->wake_arg);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	if (q->on_exit)
		q->on_exit();
	return NULL;
}

struct workq *workq_new(const char *name, int threads, size_t max_queued,
			void (*wake)(void *), void *wake_arg, void (*on_exit)(void))
{
	struct workq *q = xcalloc(1, sizeof(*q));
	int i;

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->max_queued = max_queued;
	q->wake = wake;
	q->wake_arg = wake_arg;
	q->on_exit = on_exit;
	q->threads = xcalloc((size_t)threads, sizeof(*q->threads));
	for (i = 0; i < threads; i++) {
		if (pthread_create(&q->threads[i], NULL, worker_main, q))
			abort();
		pthread_setname_np(q->threads[i], name);
		q->nthreads++;
	}
	return q;
}

void workq_free(struct workq *q)
{
	int i;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	workq_drain(q);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->threads);
	free(q);
}

int workq_submit(struct workq *q, struct work *w)
{
	pthread_mutex_lock(&q->lock);
	if (q->queued >= q->max_queued) {
		pthread_mutex_unlock(&q->lock);
		return -EBUSY;
	}
	q->queued++;
	q->in_flight++;
	fifo_push(&q->waiting, w);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void workq_drain(struct workq *q)
{
	struct fifo done;
	struct work *w;

	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	done = q->finished;
	q->finished.head = q->finished.tail = NULL;
	for (w = done.head; w; w = w->next)
		n++;
	q->in_flight -= n;
	pthread_mutex_unlock(&q->lock);
	while ((w = fifo_pop(&done)))
		w->done(w);
}

int workq_busy(struct workq *q)
{
	int busy;

	pthread_mutex_lock(&q->lock);
	busy = q->in_flight > 0;
	pthread_mutex_unlock(&q->lock);
	return busy;
}

size_t workq_queued(struct workq *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->queued;
	pthread_mutex_unlock(&q->lock);
	return n;
}
