/*
 * retention.h - queues' retention rules on the admin API (PROTOCOL.md §2.5)
 * and the server's background purge.
 *
 * Every --purge-interval-secs the loop thread reads each queue's rule and
 * hands the purge to the writer as a chain of ops, one small batch each
 * (store_purge_queue()), so a chat's messages wait behind at most one
 * batch; each batch that deleted something writes its audit entry in the
 * same savepoint.  Blob files no chat reads any more are removed by a
 * writer op after the batch's commit.  Loop thread only.
 */
#ifndef REFDESK_OPS_RETENTION_H
#define REFDESK_OPS_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net/http.h"

struct app;

#define RETENTION_PURGE_BATCH 50 /* chats one writer op of the purge changes at most */

/* §2.5 retention routes. */
extern const struct http_route retention_routes[];
extern const size_t retention_nroutes;

/* Start the purge's timer (app_init()); 0 or a negative errno. */
int retention_start(struct app *app);
/*
 * Stop it before the writer and the workers go (app_release()): a batch
 * still in flight finishes, and its files are removed without a writer op
 * (the writer thread has ended by then).
 */
void retention_stop(struct app *app);
/* Free what retention_start() made, once the writer and the workers are gone. */
void retention_free(struct app *app);

/* What the purge did since the start, for /metrics. */
struct retention_stats {
	uint64_t runs;	      /* runs started */
	uint64_t transcripts; /* transcripts deleted */
	uint64_t file_chats;  /* chats whose images and files were removed */
	uint64_t names;	      /* guests' names removed */
	uint64_t files;	      /* blob rows no chat reads any more (their files removed) */
	uint64_t failed;      /* batches that failed (their queue waits for the next run) */
	bool running;	      /* a run is in progress */
	int64_t last_end_ms;  /* when the last run ended (ms since the epoch), 0 before the first */
};
void retention_get_stats(const struct app *app, struct retention_stats *out);

/* Print the purge's limits as `refdesk limits` lines. */
void retention_print_limits(FILE *out, int interval_secs);

#endif
