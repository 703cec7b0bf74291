/*
 * retention.h - queues' retention rules on the admin API (PROTOCOL.md §2.5)
 * and the server's background purge.
 *
 * Every --purge-interval-secs the loop thread reads each queue's rule and
 * hands the purge to the writer as a chain of ops, one small batch each
 * (store_purge_queue()), so a chat's messages wait behind at most one
 * batch; each batch that deleted something writes its audit entry in the
 * same savepoint.  Blob files no chat reads any more are removed on the
 * worker pool after the batch's commit.  Loop thread only.
 */
#ifndef REFDESK_OPS_RETENTION_H
#define REFDESK_OPS_RETENTION_H

#include <stddef.h>
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
 * still in flight finishes, and removes its files itself.
 */
void retention_stop(struct app *app);
/* Free what retention_start() made, once the writer and the workers are gone. */
void retention_free(struct app *app);

/* Print the purge's limits as `refdesk limits` lines. */
void retention_print_limits(FILE *out, int interval_secs);

#endif
