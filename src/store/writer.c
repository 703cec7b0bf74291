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
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"
#include "store/db.h"

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
	/* The checkpoint thread, on its own connection. */
	struct store *ckpt_st;
	pthread_t ckpt_thread;
	pthread_cond_t ckpt_cond;
	bool ckpt_wanted;        /* lock: the writer asks for a copy */
	bool ckpt_busy;          /* lock: the thread is copying */
	bool ckpt_done;          /* lock: it copied what it could; the writer finishes */
	bool ckpt_finishing;     /* lock: the writer is finishing (the thread waits) */
	int ckpt_pages;          /* writer thread: the log's pages when last asked */
	/* The search index's thread (SQLite), on its own connection: NULL elsewhere. */
	struct store *idx_st;
	pthread_t idx_thread;
	pthread_cond_t idx_cond;
	struct store_chat_ids idx_pending; /* lock: chats committed to, for the thread */
	struct store_chat_ids idx_dropped; /* lock: chats whose transcript was deleted, the same */
	size_t idx_messages;     /* lock: about how many messages they got */
	struct store_chat_ids idx_handed, idx_handed_dropped; /* writer thread: the last batch's */
	struct op_list idx_todo; /* lock: ops to run once the index has caught up */
	bool idx_stopping;       /* lock */
	struct store_op **order; /* writer thread: a batch's ops in the order they apply */
	size_t norder_cap;
};

/*
 * Checkpoints copy the write-ahead log back into the database file and
 * sync it: tens of milliseconds at times.  Inside a commit (SQLite's
 * default, every 1,000 pages) that delay lands on the acknowledgments of
 * the batch.  Here the writer only asks, and a thread of its own copies
 * while the writer goes on committing.  The log starts over only after a
 * copy that left nothing behind, and the writer keeps appending meanwhile:
 * so the thread copies again what was committed during its last copy, as
 * long as that was more than WRITER_CHECKPOINT_REST pages (a few times at
 * most), and only then does the writer copy the rest itself, between two
 * batches, so that the log restarts at its next commit instead of growing
 * without end.  When the thread's last copy left nothing, the writer's
 * costs nothing.  Each copy ends in an fsync of the database file: the
 * writer's own, with a few pages, is short; with the thousands committed
 * during one long copy, as before, it held acknowledgments back for 5-20 ms.
 */
#define WRITER_CHECKPOINT_PAGES 4000
#define WRITER_CHECKPOINT_REST 64
#define WRITER_CHECKPOINT_PASSES 8

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

/*
 * Messages enter the search index (store_index_some()) in runs: once
 * WRITER_INDEX_MESSAGES wait, or the oldest has waited WRITER_INDEX_MAX_MS,
 * and never more often than every WRITER_INDEX_MS.  While ops keep coming a
 * run happens at the end of a batch, inside its transaction (sharing its
 * commit); when the writer is idle, in a transaction of its own.  A search
 * does not wait for any of this: it has the writer index everything first.
 * Runs are not per message because FTS5 writes at least a page-sized
 * segment per run and merges them later: indexing each message as it was
 * added cost more than the rest of the write.  A run takes at most
 * WRITER_INDEX_CHATS chats, in turn: each chat's text lands in pages of its
 * own, so a run's time grows with its chats, and an op waits behind at most
 * one run.
 */
#define WRITER_INDEX_MS 50
#define WRITER_INDEX_MAX_MS 2000
#define WRITER_INDEX_MESSAGES 256
#define WRITER_INDEX_CHATS 32
#define WRITER_INDEX_STOP_MS 5000
/* While it catches up, a pause between runs lets a transcript's deletion take the file. */
#define WRITER_INDEX_CATCH_UP_MS 10

/*
 * On SQLite the index lives in a database file of its own (store.c), and
 * index_main() runs it on a connection of its own, by the same rules:
 * chats committed to are handed over after each batch.  A run there holds
 * only the index file's lock, so the writer's batches no longer wait for
 * it (runs of 10-60 ms at high rates held every acknowledgment behind them).
 * Elsewhere (PostgreSQL, whose writers do not lock each other out) the
 * writer runs the index itself, inside its batches, as below.
 *
 * Writer thread: the search index's share of a batch.  It runs in its own
 * savepoint, so a failure costs the batch nothing (the messages wait for the
 * next run).
 */
static void index_in_batch(struct writer *w)
{
	int rc = store_savepoint(w->st);

	if (rc < 0)
		return;
	rc = store_index_some(w->st, WRITER_INDEX_CHATS);
	if (rc < 0)
		log_warn("writer: messages could not be indexed for search; will retry");
	store_savepoint_release(w->st, rc >= 0);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Writer thread: apply and commit one batch; returns how many failed, and
 * in *commit_s how long its COMMIT took (0 when it never got there).
 */
/* Ops by the chat they write (store_op.order), and as they came within one. */
static int cmp_order(const void *a, const void *b)
{
	const struct store_op *x = *(struct store_op *const *)a, *y = *(struct store_op *const *)b;

	if (x->order != y->order)
		return (x->order > y->order) - (x->order < y->order);
	return (x->rc > y->rc) - (x->rc < y->rc); /* the position, kept there meanwhile */
}

/* The batch's ops in the order to apply them (into w->order, grown as needed); how many. */
static size_t apply_order(struct writer *w, struct store_op *batch)
{
	struct store_op *op;
	size_t n = 0;
	bool sorted = true;
	int64_t prev = 0;

	for (op = batch; op; op = op->next) {
		if (n == w->norder_cap) {
			w->norder_cap = grow_cap(w->norder_cap, n + 1);
			w->order = xrealloc(w->order, w->norder_cap * sizeof(*w->order));
		}
		op->rc = (int)n; /* its place, for a stable sort */
		w->order[n++] = op;
		sorted = sorted && op->order >= prev;
		prev = op->order;
	}
	if (!sorted)
		qsort(w->order, n, sizeof(*w->order), cmp_order);
	return n;
}

static unsigned long commit_batch(struct writer *w, struct store_op *batch, bool index,
				  double *commit_s)
{
	struct store_op *op;
	unsigned long failed = 0;
	struct timespec t0;
	int rc = store_begin(w->st);
	/* An op alone in its batch needs no savepoint: if it fails, the
	 * transaction is rolled back instead (at low rates, most batches). */
	bool alone = !batch->next;
	size_t i, n = apply_order(w, batch);

	for (i = 0; i < n; i++) {
		op = w->order[i];
		if (rc < 0) {
			op->rc = rc;
			continue;
		}
		op->rc = alone ? 0 : store_savepoint(w->st);
		if (!op->rc)
			op->rc = op->apply(w->st, op);
		if (op->rc < 0 && (alone || !store_in_transaction(w->st))) {
			/* The op alone failed, or SQLite rolled the whole batch back
			 * (disk full, I/O error): everything before this op is gone
			 * too, and nothing after it may run outside a transaction. */
			rc = op->rc;
			continue;
		}
		if (!alone)
			store_savepoint_release(w->st, op->rc >= 0);
	}
	if (rc >= 0 && index && store_in_transaction(w->st))
		index_in_batch(w);
	*commit_s = 0;
	if (rc >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = store_commit(w->st);
		*commit_s = seconds_since(&t0);
	}
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

static void deadline_in(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static bool index_due(struct writer *w, int64_t last)
{
	int64_t since = time_mono_ms() - last;

	if (!store_index_waiting(w->st) || since < WRITER_INDEX_MS)
		return false;
	return store_index_backlog(w->st) >= WRITER_INDEX_MESSAGES || since >= WRITER_INDEX_MAX_MS;
}

/* Writer thread, lock held, no batch waiting: index if it is time; true if it ran. */
static bool index_if_due(struct writer *w, int64_t *last)
{
	if (!index_due(w, *last))
		return false;
	pthread_mutex_unlock(&w->lock);
	if (store_index_some(w->st, WRITER_INDEX_CHATS) < 0)
		log_warn("writer: messages could not be indexed for search; will retry");
	*last = time_mono_ms();
	pthread_mutex_lock(&w->lock);
	return true;
}

/*
 * Index thread, lock held: is a run due?  `behind`: the last run left
 * chats waiting (more than one run takes, as while the index is built
 * again after an upgrade): the next one follows after a short pause, as
 * do deleted transcripts' text to take out.
 */
static bool index_thread_due(struct writer *w, int64_t last, bool behind, int64_t retry_ms)
{
	int64_t since = time_mono_ms() - last;

	if (since < retry_ms)
		return false; /* the last run failed: wait longer each time */
	if (retry_ms)
		return true;  /* and then try its chats again */
	if (behind || w->idx_dropped.n)
		return since >= WRITER_INDEX_CATCH_UP_MS;
	if (since < WRITER_INDEX_MS)
		return false;
	if (w->idx_messages >= WRITER_INDEX_MESSAGES)
		return true;
	return w->idx_pending.n && since >= WRITER_INDEX_MAX_MS;
}

/*
 * Index thread: runs of WRITER_INDEX_CHATS chats, each committed, until
 * none waits or `budget_ms` has passed (0: no limit); false if chats wait.
 */
static bool index_until_done(struct writer *w, int64_t budget_ms)
{
	int64_t t0 = time_mono_ms();

	if (store_search_drop(w->idx_st) < 0) {
		log_warn("writer: deleted text could not be taken out of the search index; will retry");
		return false;
	}
	while (store_index_waiting(w->idx_st)) {
		if (store_index_some(w->idx_st, WRITER_INDEX_CHATS) < 0) {
			log_warn("writer: messages could not be indexed for search; will retry");
			return false;
		}
		if (budget_ms && time_mono_ms() - t0 >= budget_ms)
			return !store_index_waiting(w->idx_st);
	}
	return true;
}

/*
 * Index thread: check the index's file against the database, take the
 * chats handed over, index when due, and before ops that wait for it (a
 * search) everything; at the end what is left, within WRITER_INDEX_STOP_MS
 * (the next start finds the rest).
 */
static void *index_main(void *arg)
{
	struct writer *w = arg;
	struct store_chat_ids got = { 0 }, gone = { 0 };
	struct op_list ops;
	struct store_op *op;
	struct timespec ts, t0;
	int64_t last = 0, wait, retry_ms = 0;
	bool stopping, behind, ok;

	if (store_search_verify(w->idx_st) < 0)
		log_warn("writer: the search index could not be checked; will go on");
	behind = store_index_waiting(w->idx_st);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->idx_todo.head && !w->idx_stopping &&
		       !index_thread_due(w, last, behind, retry_ms)) {
			if (!w->idx_pending.n && !w->idx_dropped.n && !behind && !retry_ms) {
				pthread_cond_wait(&w->idx_cond, &w->lock);
				continue;
			}
			wait = behind || w->idx_dropped.n ? WRITER_INDEX_CATCH_UP_MS :
			       w->idx_messages >= WRITER_INDEX_MESSAGES ? WRITER_INDEX_MS :
			       WRITER_INDEX_MAX_MS;
			wait = (wait > retry_ms ? wait : retry_ms) - (time_mono_ms() - last);
			deadline_in(&ts, wait > 1 ? wait : 1);
			pthread_cond_timedwait(&w->idx_cond, &w->lock, &ts);
		}
		/* Take both at once: an op's chats are among those taken with it. */
		got.n = gone.n = 0;
		store_chat_ids_append(&got, &w->idx_pending);
		store_chat_ids_append(&gone, &w->idx_dropped);
		w->idx_pending.n = w->idx_dropped.n = 0;
		w->idx_messages = 0;
		ops = w->idx_todo;
		w->idx_todo.head = w->idx_todo.tail = NULL;
		stopping = w->idx_stopping;
		pthread_mutex_unlock(&w->lock);

		store_index_take_over(w->idx_st, &got, &gone);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (stopping) {
			ok = index_until_done(w, WRITER_INDEX_STOP_MS);
			if (!ok)
				log_info("writer: messages left for the search index: indexed at the next start");
		} else if (ops.head) {
			ok = index_until_done(w, 0);
		} else if ((ok = store_search_drop(w->idx_st) >= 0)) {
			ok = store_index_some(w->idx_st, WRITER_INDEX_CHATS) >= 0;
			if (!ok)
				log_warn("writer: messages could not be indexed for search; will retry");
		} else {
			log_warn("writer: deleted text could not be taken out of the search index; "
				 "will retry");
		}
		last = time_mono_ms();
		/* After a failure, not at once again: 50 ms, doubling up to 2 s. */
		retry_ms = ok ? 0 : retry_ms ? (retry_ms * 2 < WRITER_INDEX_MAX_MS ? retry_ms * 2 :
							    WRITER_INDEX_MAX_MS) : WRITER_INDEX_MS;
		behind = ok && (store_index_waiting(w->idx_st) || store_search_drops_waiting(w->idx_st));
		for (op = ops.head; op; op = op->next)
			op->rc = op->apply(w->idx_st, op);

		pthread_mutex_lock(&w->lock);
		stats_hist_observe(&w->stats.index_seconds, seconds_since(&t0));
		if (ops.head) {
			list_splice(&w->finished, &ops);
			pthread_mutex_unlock(&w->lock);
			w->wake(w->wake_arg);
			pthread_mutex_lock(&w->lock);
		}
		if (stopping && !w->idx_todo.head)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	free(got.v);
	free(gone.v);
	return NULL;
}

/* Writer thread, after a batch: its chats go to the index's thread. */
static void hand_over_to_index(struct writer *w)
{
	size_t messages;

	if (!w->idx_st)
		return;
	messages = store_index_backlog(w->st);
	store_index_hand_over(w->st, &w->idx_handed, &w->idx_handed_dropped);
	if (!w->idx_handed.n && !w->idx_handed_dropped.n)
		return;
	pthread_mutex_lock(&w->lock);
	store_chat_ids_append(&w->idx_pending, &w->idx_handed);
	store_chat_ids_append(&w->idx_dropped, &w->idx_handed_dropped);
	w->idx_messages += messages;
	pthread_cond_signal(&w->idx_cond);
	pthread_mutex_unlock(&w->lock);
	w->idx_handed.n = w->idx_handed_dropped.n = 0;
}

/* Writer thread, after each commit. */
static void wal_grew(void *arg, int pages)
{
	struct writer *w = arg;

	/* Once per WRITER_CHECKPOINT_PAGES new pages (the count restarts with the log). */
	if (pages < w->ckpt_pages)
		w->ckpt_pages = 0;
	if (pages - w->ckpt_pages < WRITER_CHECKPOINT_PAGES)
		return;
	w->ckpt_pages = pages;
	pthread_mutex_lock(&w->lock);
	w->ckpt_wanted = true;
	pthread_cond_signal(&w->ckpt_cond);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Checkpoint thread: copy the log, then again what was committed during the
 * copy, until a copy finds little (what it copied was committed during the
 * one before), or after WRITER_CHECKPOINT_PASSES copies.
 */
static void copy_until_little_left(struct writer *w)
{
	int copied, before = 0, passes;

	for (passes = 0; passes < WRITER_CHECKPOINT_PASSES; passes++) {
		if (store_checkpoint(w->ckpt_st, NULL, &copied) < 0)
			return;
		if (copied < before)
			before = 0; /* the log started over between two copies */
		if (passes > 0 && copied - before <= WRITER_CHECKPOINT_REST)
			return;
		before = copied;
	}
}

static void *checkpoint_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while ((!w->ckpt_wanted || w->ckpt_finishing) && !w->stopping)
			pthread_cond_wait(&w->ckpt_cond, &w->lock);
		if (w->stopping)
			break;
		w->ckpt_wanted = false;
		w->ckpt_busy = true;
		pthread_mutex_unlock(&w->lock);
		copy_until_little_left(w);
		pthread_mutex_lock(&w->lock);
		w->ckpt_busy = false;
		w->ckpt_done = true;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct op_list batch;
	unsigned long n, failed;
	struct store_op *op;
	struct timespec ts, t0;
	int64_t indexed = 0, wait;
	double batch_s, commit_s;
	bool index;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->todo.head && !w->stopping) {
			if (index_if_due(w, &indexed))
				continue;
			if (store_index_waiting(w->st)) {
				/* Nothing more comes in meanwhile: the age rule is next. */
				wait = WRITER_INDEX_MAX_MS - (time_mono_ms() - indexed);
				deadline_in(&ts, wait > WRITER_INDEX_MS ? wait : WRITER_INDEX_MS);
				pthread_cond_timedwait(&w->cond, &w->lock, &ts);
			} else {
				pthread_cond_wait(&w->cond, &w->lock);
			}
		}
		if (!w->todo.head) {
			/* Stopping: leave nothing for the next start to index. */
			pthread_mutex_unlock(&w->lock);
			store_index_now(w->st);
			pthread_mutex_lock(&w->lock);
			break;
		}
		batch = w->todo;
		w->todo.head = w->todo.tail = NULL;
		pthread_mutex_unlock(&w->lock);

		index = index_due(w, indexed);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		failed = commit_batch(w, batch.head, index, &commit_s);
		batch_s = seconds_since(&t0);
		if (index)
			indexed = time_mono_ms();
		hand_over_to_index(w);
		for (n = 0, op = batch.head; op; op = op->next)
			n++;

		pthread_mutex_lock(&w->lock);
		list_splice(&w->finished, &batch);
		w->stats.batches++;
		w->stats.ops += n;
		w->stats.failed += failed;
		stats_hist_observe(&w->stats.batch_seconds, batch_s);
		if (commit_s > 0)
			stats_hist_observe(&w->stats.commit_seconds, commit_s);
		pthread_mutex_unlock(&w->lock);
		w->wake(w->wake_arg);
		pthread_mutex_lock(&w->lock);
		if (w->ckpt_done && !w->ckpt_busy) {
			/* The pages committed while the thread copied: few, and then the copy is whole. */
			w->ckpt_done = false;
			w->ckpt_finishing = true;
			pthread_mutex_unlock(&w->lock);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			store_checkpoint(w->st, NULL, NULL);
			batch_s = seconds_since(&t0);
			pthread_mutex_lock(&w->lock);
			stats_hist_observe(&w->stats.checkpoint_seconds, batch_s);
			w->ckpt_finishing = false;
			pthread_cond_signal(&w->ckpt_cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Stop the index's thread once the writer's has ended: it indexes what is left first. */
static void stop_index(struct writer *w)
{
	if (!w->idx_st)
		return;
	pthread_mutex_lock(&w->lock);
	w->idx_stopping = true;
	pthread_cond_signal(&w->idx_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->idx_thread, NULL);
}

int writer_new(struct writer **out, const char *dir, void (*wake)(void *arg), void *wake_arg)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	rc = store_open(&w->st, dir);
	if (rc >= 0)
		rc = store_open(&w->ckpt_st, dir);
	if (rc >= 0 && !db_is_postgres(dir))
		rc = store_open(&w->idx_st, dir);
	if (rc < 0) {
		store_free(w->ckpt_st);
		store_free(w->st);
		free(w);
		return rc;
	}
	store_watch_wal(w->st, wal_grew, w);
	if (w->idx_st) {
		/* What the last run left: the index's connection found it too. */
		store_index_hand_over(w->st, &w->idx_handed, &w->idx_handed_dropped);
		store_search_elsewhere(w->st);
	}
	w->idx_handed.n = w->idx_handed_dropped.n = 0;

	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_cond_init(&w->idx_cond, &ca); /* both wait with deadline_in()'s clock */
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->ckpt_cond, NULL);
	w->wake = wake;
	w->wake_arg = wake_arg;
	/* Threads are named (top -H, ps -L, a debugger): "refdesk" is the loop. */
	if (w->idx_st && pthread_create(&w->idx_thread, NULL, index_main, w)) {
		store_free(w->idx_st);
		store_free(w->ckpt_st);
		store_free(w->st);
		free(w);
		return -EAGAIN;
	}
	if (w->idx_st)
		pthread_setname_np(w->idx_thread, "search-index");
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		stop_index(w);
		store_free(w->idx_st);
		store_free(w->ckpt_st);
		store_free(w->st);
		free(w);
		return -EAGAIN;
	}
	pthread_setname_np(w->thread, "writer");
	if (pthread_create(&w->ckpt_thread, NULL, checkpoint_main, w)) {
		store_free(w->ckpt_st);
		w->ckpt_st = NULL;
		writer_free(w);
		return -EAGAIN;
	}
	pthread_setname_np(w->ckpt_thread, "checkpoint");
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
	pthread_cond_signal(&w->ckpt_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (w->ckpt_st)   /* NULL only when its thread could not start */
		pthread_join(w->ckpt_thread, NULL);
	stop_index(w);
	writer_drain(w);
	pthread_cond_destroy(&w->idx_cond);
	pthread_cond_destroy(&w->ckpt_cond);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	store_free(w->idx_st);
	store_free(w->ckpt_st);
	store_free(w->st);
	free(w->idx_pending.v);
	free(w->idx_dropped.v);
	free(w->idx_handed.v);
	free(w->idx_handed_dropped.v);
	free(w->order);
	free(w);
}

bool writer_is_stopping(struct writer *w)
{
	bool stopping;

	pthread_mutex_lock(&w->lock);
	stopping = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return stopping;
}

void writer_submit(struct writer *w, struct store_op *op)
{
	if (op->index && w->idx_st) {
		pthread_mutex_lock(&w->lock);
		list_append(&w->idx_todo, op);
		w->in_flight++;
		pthread_cond_signal(&w->idx_cond);
		pthread_mutex_unlock(&w->lock);
		return;
	}
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
	unsigned long gathered = 0;
	struct store_op *op;

	for (op = w->gather.head; op; op = op->next)
		gathered++;
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	out->queued = w->in_flight + gathered;
	pthread_mutex_unlock(&w->lock);
}

void writer_print_limits(FILE *out)
{
	limit_print(out, "checkpoint_pages", WRITER_CHECKPOINT_PAGES, "pages",
		    "new pages in the write-ahead log before the checkpoint thread copies it back");
	limit_print(out, "checkpoint_rest", WRITER_CHECKPOINT_REST, "pages",
		    "the checkpoint thread copies again while its last copy took more");
	limit_print(out, "checkpoint_passes", WRITER_CHECKPOINT_PASSES, "copies",
		    "the most the checkpoint thread makes before the writer copies the rest");
	limit_print(out, "index_messages", WRITER_INDEX_MESSAGES, "messages",
		    "waiting for the search index before a run");
	limit_print(out, "index_wait_ms", WRITER_INDEX_MAX_MS, "ms",
		    "the longest a message waits for the search index");
	limit_print(out, "index_every_ms", WRITER_INDEX_MS, "ms", "the shortest time between two index runs");
	limit_print(out, "index_chats", WRITER_INDEX_CHATS, "chats", "chats one index run takes");
	limit_print(out, "index_catch_up_ms", WRITER_INDEX_CATCH_UP_MS, "ms",
		    "the pause between two index runs while chats wait for more than one");
	limit_print(out, "index_stop_ms", WRITER_INDEX_STOP_MS, "ms",
		    "the longest a stop waits for the search index (the next start does the rest)");
}
