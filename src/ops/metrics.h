/*
 * metrics.h - GET /metrics (PROTOCOL.md §2.9): the server's figures in
 * Prometheus' text format, for the people who run it.
 *
 * The operations count what they do in a `struct metrics` inside the app,
 * with plain increments on the loop thread (no lock, no system call per
 * message); the writer and the workers keep their own figures under locks
 * they take anyway, and a scrape copies them.  Nothing reported names a
 * patron, a chat or an operator: only totals, and refusals by wire code.
 *
 * Who may read it: with --metrics-token-file, a request whose
 * "Authorization: Bearer" carries that token; without one, a client on
 * loopback, and only when no --trusted-proxy is set (behind a proxy on the
 * same host every request comes from loopback).  Everyone else gets the
 * 404 of a path that does not exist.
 *
 * Loop thread only.
 */
#ifndef REFDESK_OPS_METRICS_H
#define REFDESK_OPS_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/stats.h"

struct app;

struct metrics {
	uint64_t messages[3];        /* committed, by enum event_author */
	uint64_t uploads_image;      /* snapshots and images posted into chats */
	uint64_t uploads_file;       /* other files */
	uint64_t chats_started;
	struct stats_tally client_errors; /* client_error(), by code */
	bool token_set;
	unsigned char token_hash[32];   /* BLAKE2b of the token, compared in constant time */
};

/*
 * Read the token of cfg->metrics_token_file, if one is configured, into
 * app->metrics (only its hash is kept).  0, or -EINVAL after logging why
 * (the file cannot be read, or holds fewer than 16 characters).
 */
int metrics_init(struct app *app);

#endif
