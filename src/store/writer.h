/*
 * writer.h - the writer thread: every write, grouped into one transaction
 * per batch (group commit), with its fsync off the loop thread.
 *
 * The loop thread describes a write as a `struct store_op` embedded in its
 * own request struct and submits it.  Ops submitted during one turn of the
 * loop are handed to the writer together when the turn ends
 * (writer_flush()); while the writer is committing one batch the next one
 * gathers.  On the writer thread each op's apply() runs inside its own
 * savepoint of the batch's transaction: an op that fails is rolled back
 * alone.  When the batch's COMMIT returns, the ops go back to the loop
 * thread, which calls each done() in submission order — that is where acks
 * are sent and events fanned out, so nothing is acknowledged before it is on
 * disk.  If COMMIT itself fails, every op of the batch gets its error.
 */
#ifndef REFDESK_STORE_WRITER_H
#define REFDESK_STORE_WRITER_H

#include <stdio.h>

#include "base/stats.h"
#include "store/store.h"

struct store_op {
	struct store_op *next;
	/* Writer thread: do the write with `st`; 0 or a negative errno. */
	int (*apply)(struct store *st, struct store_op *op);
	/* Loop thread: the op is committed (rc >= 0) or failed (rc < 0). */
	void (*done)(struct store_op *op, int rc);
	int rc;
	/*
	 * The chat it writes, or 0.  A batch applies its ops by this, lowest
	 * first, each chat's in the order they came (done() keeps that order):
	 * two processes writing the same chats on one database then wait for
	 * each other's rows in one order, never in a cycle.
	 */
	int64_t order;
	/*
	 * Run on the search index's connection once everything committed
	 * before the op was submitted is indexed (a search), when the index has
	 * a thread of its own (SQLite); elsewhere like any op.  Its store is
	 * then that connection: it must write nothing but the index.
	 */
	bool index;
};

struct writer;

/*
 * Start the writer thread on its own connection to DIR's database.  `wake`
 * is called from the writer thread when finished ops wait for the loop
 * thread (refdesk passes lws_cancel_service); the loop thread then calls
 * writer_drain().
 */
int writer_new(struct writer **out, const char *dir, void (*wake)(void *arg), void *wake_arg);

/* Stop the thread after it has committed everything submitted, then drain. */
void writer_free(struct writer *w);

/* Loop thread: queue `op` for the current batch. */
void writer_submit(struct writer *w, struct store_op *op);

/* Loop thread: hand the ops submitted since the last flush to the writer. */
void writer_flush(struct writer *w);

/* Loop thread: call done() for every finished op, in order. */
void writer_drain(struct writer *w);

/*
 * Loop thread: true once writer_free() has begun.  An op submitted then
 * never runs (done() calls from its final drain land here), and the writer
 * thread writes nothing more.
 */
bool writer_is_stopping(struct writer *w);

/* Loop thread: true when ops are submitted or in flight. */
int writer_busy(struct writer *w);

/*
 * Counters for /metrics and benchmarks, measured on the writer thread and
 * handed over under the lock it takes anyway after each batch.
 *   batch_seconds: a batch from BEGIN to COMMIT's return (what its acks
 *     waited for once the writer took it);
 *   commit_seconds: the COMMIT statement alone: the write-ahead log's
 *     writes and, with synchronous=FULL, its fsync, which dominates it.
 * `queued`: ops submitted and not yet back on the loop thread.
 */
struct writer_stats {
	unsigned long batches;
	unsigned long ops;
	unsigned long failed;
	unsigned long queued;
	struct stats_hist batch_seconds;
	struct stats_hist commit_seconds;
	struct stats_hist checkpoint_seconds; /* the writer's own share of a checkpoint */
	struct stats_hist index_seconds;      /* a run of the search index's thread */
};
/* Loop thread: a copy of the counters (one lock). */
void writer_get_stats(struct writer *w, struct writer_stats *out);

/* Print the writer's limits (checkpoints, search indexing) as `refdesk limits` lines. */
void writer_print_limits(FILE *out);

#endif
