/*
 * writer.c - see writer.h.
 *
 * Three singly linked FIFO lists move ops along: `gather` (loop thread only)
 * -> `todo` (under the mutex, taken whole by the writer) -> `finished`
 * (under the mutex, taken whole by writer_drain()).  The loop thread never
 * waits for the disk; the writer never touches loop-thread state.
 */
#include "store/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/util.h"

struct op_list {
	struct store_op *head, *tail;
};

struct writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct op_list gather;   /* loop thread only */
	struct op_list todo;     /* lock */
	struct op_list finished; /* lock */
	int stopping;            /* lock */
	unsigned long in_flight; /* lock: handed over, not yet drained */
	struct writer_stats stats; /* lock */
	void (*wake)(void *arg);
	void *wake_arg;
};

static void list_append(struct op_list *l, struct store_op *op)
{
	op->next = NULL;
	if (l->tail)
		l->tail->next = op;
	else
		l->head = op;
	l->tail = op;
}

static void list_splice(struct op_list *dst, struct op_list *src)
{
	if (!src->head)
		return;
	if (dst->tail)
		dst->tail->next = src->head;
	else
		dst->head = src->head;
	dst->tail = src->tail;
	src->head = src->tail = NULL;
}

/* Writer thread: apply and commit one batch; returns how many failed. */
static unsigned long commit_batch(struct writer *w, struct store_op *batch)
{
	struct store_op *op;
	unsigned long failed = 0;
	int rc = store_begin(w->st);

	for (op = batch; op; op = op->next) {
		if (rc < 0) {
			op->rc = rc;
			continue;
		}
		op->rc = store_savepoint(w->st);
		if (!op->rc)
			op->rc = op->apply(w->st, op);
		if (op->rc < 0 && !store_in_transaction(w->st)) {
			/* SQLite rolled the whole batch back (disk full, I/O error):
			 * everything before this op is gone too, and nothing after it
			 * may run outside a transaction. */
			rc = op->rc;
			continue;
		}
		store_savepoint_release(w->st, op->rc >= 0);
	}
	if (rc >= 0)
		rc = store_commit(w->st);
	if (rc < 0) {
		store_rollback(w->st);
		for (op = batch; op; op = op->next)
			if (op->rc >= 0)
				op->rc = rc;
	}
	for (op = batch; op; op = op->next)
		failed += op->rc < 0;
	return failed;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct op_list batch;
	unsigned long n, failed;
	struct store_op *op;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->todo.head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->todo.head)
			break;
		batch = w->todo;
		w->todo.head = w->todo.tail = NULL;
		pthread_mutex_unlock(&w->lock);

		failed = commit_batch(w, batch.head);
		for (n = 0, op = batch.head; op; op = op->next)
			n++;

		pthread_mutex_lock(&w->lock);
		list_splice(&w->finished, &batch);
		w->stats.batches++;
		w->stats.ops += n;
		w->stats.failed += failed;
		pthread_mutex_unlock(&w->lock);
		w->wake(w->wake_arg);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int writer_new(struct writer **out, const char *dir, void (*wake)(void *arg), void *wake_arg)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	rc = store_open(&w->st, dir);
	if (rc < 0) {
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->wake = wake;
	w->wake_arg = wake_arg;
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		store_free(w->st);
		free(w);
		return -EAGAIN;
	}
	*out = w;
	return 0;
}

void writer_free(struct writer *w)
{
	if (!w)
		return;
	writer_flush(w);
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	writer_drain(w);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	store_free(w->st);
	free(w);
}

void writer_submit(struct writer *w, struct store_op *op)
{
	list_append(&w->gather, op);
}

void writer_flush(struct writer *w)
{
	unsigned long n = 0;
	struct store_op *op;

	if (!w->gather.head)
		return;
	for (op = w->gather.head; op; op = op->next)
		n++;
	pthread_mutex_lock(&w->lock);
	list_splice(&w->todo, &w->gather);
	w->in_flight += n;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void writer_drain(struct writer *w)
{
	struct op_list done;
	struct store_op *op, *next;

	unsigned long n = 0;

	pthread_mutex_lock(&w->lock);
	done = w->finished;
	w->finished.head = w->finished.tail = NULL;
	for (op = done.head; op; op = op->next)
		n++;
	w->in_flight -= n;
	pthread_mutex_unlock(&w->lock);
	for (op = done.head; op; op = next) {
		next = op->next;
		op->done(op, op->rc);
	}
}

int writer_busy(struct writer *w)
{
	int busy;

	pthread_mutex_lock(&w->lock);
	busy = w->gather.head || w->in_flight;
	pthread_mutex_unlock(&w->lock);
	return busy;
}

void writer_get_stats(struct writer *w, struct writer_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->lock);
}
