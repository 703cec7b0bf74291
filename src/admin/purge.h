/*
 * purge.h - `refdesk admin purge`: run the retention purge once, by hand,
 * as the server runs it every --purge-interval-secs (ops/retention.c).
 */
#ifndef REFDESK_ADMIN_PURGE_H
#define REFDESK_ADMIN_PURGE_H

struct store;

/*
 * `purge [--now WHEN]` with `st` open on DIR's database (outside a
 * transaction).  WHEN is the time the rules are applied at: +Nd (N days
 * from now, to see or test what a rule will delete), YYYY-MM-DD (midnight
 * UTC) or milliseconds since the epoch; default now.  Prints one line per
 * queue that lost anything.  Then removes blob files older than an hour
 * that no chat reads (left behind when the server stopped between a
 * deletion's commit and its unlink).  Returns 0, 1 after a failure (said on
 * stderr), or -EINVAL for a usage error.
 */
int admin_purge(struct store *st, const char *data_dir, int argc, char **argv);

#endif
