/*
 * metrics.c - see metrics.h.  One route; the body is written with stdio
 * into a memory stream, family by family, each with its HELP and TYPE.
 */
#include "ops/metrics.h"
#include "ops/xmpp_ops.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/util.h"
#include "base/workq.h"
#include "net/http.h"
#include "net/server.h"
#include "ops/app.h"
#include "ops/bus_ops.h"
#include "ops/client.h"
#include "ops/retention.h"
#include "ops/routes.h"
#include "store/writer.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 1024

int metrics_init(struct app *app)
{
	struct metrics *m = &app->metrics;
	char buf[TOKEN_MAX + 2];
	size_t n;
	FILE *f;

	if (!app->cfg->metrics_token_file)
		return 0;
	f = fopen(app->cfg->metrics_token_file, "r");
	if (!f) {
		log_error("metrics: cannot read the token file %s", app->cfg->metrics_token_file);
		return -EINVAL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* One line; the newline an editor or `echo` adds is not part of it. */
	while (n && strchr(" \t\r\n", buf[n - 1]))
		buf[--n] = '\0';
	if (n < TOKEN_MIN || n > TOKEN_MAX || strcspn(buf, " \t\r\n") != n) {
		log_error("metrics: the token file %s must hold one token of %d to %d characters",
			  app->cfg->metrics_token_file, TOKEN_MIN, TOKEN_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	auth_token_hash(m->token_hash, buf);
	explicit_bzero(buf, sizeof(buf));
	m->token_set = true;
	return 0;
}

/* ---- who may read it ---------------------------------------------------------------- */

static bool is_loopback(const char *addr)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, addr, a) != 1)
		return false;
	/* ::1, or an IPv4 loopback address mapped into IPv6 (::ffff:127.x.y.z). */
	return !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) ||
	       (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) && a[12] == 127);
}

static bool may_read(struct http_req *req)
{
	const struct metrics *m = &req_app(req)->metrics;
	unsigned char hash[32];
	char auth[TOKEN_MAX + 16];

	if (!m->token_set)
		return !req->srv->ntrusted_proxies && is_loopback(req->peer);
	http_get_header(req, "authorization:", auth, sizeof(auth));
	if (strncmp(auth, "Bearer ", 7))
		return false;
	/* Hashes of equal length, compared in constant time: not even the length leaks. */
	auth_token_hash(hash, auth + 7);
	return auth_secret_equal_bytes(hash, m->token_hash, sizeof(hash));
}

/* ---- writing the families ------------------------------------------------------------- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(FILE *f, const char *name, const char *help, const struct stats_hist *h)
{
	uint64_t below = 0;
	size_t i;

	family(f, name, "histogram", help);
	for (i = 0; i < STATS_BUCKETS; i++) {
		below += h->buckets[i];
		fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, stats_bucket_bounds[i],
			(unsigned long long)below);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
	fprintf(f, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
}

/* Codes are the program's own constants (never a peer's text): no escaping is needed. */
static void tally(FILE *f, const char *name, const char *transport, const struct stats_tally *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		fprintf(f, "%s{transport=\"%s\",code=\"%s\"} %llu\n", name, transport, t->names[i],
			(unsigned long long)t->counts[i]);
	if (t->other)
		fprintf(f, "%s{transport=\"%s\",code=\"other\"} %llu\n", name, transport,
			(unsigned long long)t->other);
}

static void write_clients(FILE *f, struct app *app)
{
	unsigned long by_kind[2];
	unsigned long chats[2] = { 0, 0 };
	size_t i = 0;
	uint64_t key;
	void *v;

	server_count_sockets(app->srv, by_kind, 2);
	family(f, "refdesk_sockets", "gauge", "Open WebSockets by kind of client.");
	fprintf(f, "refdesk_sockets{kind=\"guest\"} %lu\n", by_kind[CLIENT_GUEST]);
	fprintf(f, "refdesk_sockets{kind=\"operator\"} %lu\n", by_kind[CLIENT_OPERATOR]);
	while (map_next(&app->dom.chats, &i, &key, &v)) {
		const struct chat_live *c = v;

		if (c->status == CHAT_WAITING || c->status == CHAT_ACTIVE)
			chats[c->status == CHAT_ACTIVE]++;
	}
	family(f, "refdesk_chats", "gauge",
	       "Chats the server holds live, by status (waiting: nobody accepted yet).");
	fprintf(f, "refdesk_chats{status=\"waiting\"} %lu\n", chats[0]);
	fprintf(f, "refdesk_chats{status=\"active\"} %lu\n", chats[1]);
}

static void write_counts(FILE *f, struct app *app)
{
	const struct metrics *m = &app->metrics;

	family(f, "refdesk_chats_started_total", "counter", "Chats started by guests.");
	fprintf(f, "refdesk_chats_started_total %llu\n", (unsigned long long)m->chats_started);
	family(f, "refdesk_messages_total", "counter", "Chat messages committed, by author.");
	fprintf(f, "refdesk_messages_total{from=\"guest\"} %llu\n",
		(unsigned long long)m->messages[AUTHOR_GUEST]);
	fprintf(f, "refdesk_messages_total{from=\"operator\"} %llu\n",
		(unsigned long long)m->messages[AUTHOR_OPERATOR]);
	family(f, "refdesk_uploads_total", "counter", "Snapshots and files posted into chats.");
	fprintf(f, "refdesk_uploads_total{kind=\"image\"} %llu\n",
		(unsigned long long)m->uploads_image);
	fprintf(f, "refdesk_uploads_total{kind=\"file\"} %llu\n", (unsigned long long)m->uploads_file);
}

static void write_writer(FILE *f, struct app *app)
{
	struct writer_stats ws;

	writer_get_stats(app->writer, &ws);
	family(f, "refdesk_writer_queue_depth", "gauge",
	       "Writes submitted and not yet committed and answered.");
	fprintf(f, "refdesk_writer_queue_depth %lu\n", ws.queued);
	family(f, "refdesk_static_gzip_total", "counter",
	       "Page files compressed for sending: each copy is kept, so this grows only with new files or edits.");
	fprintf(f, "refdesk_static_gzip_total %lu\n", http_static_gzip_count());
	family(f, "refdesk_writer_batches_total", "counter", "Transactions the writer committed.");
	fprintf(f, "refdesk_writer_batches_total %lu\n", ws.batches);
	family(f, "refdesk_writer_ops_total", "counter", "Writes in those transactions.");
	fprintf(f, "refdesk_writer_ops_total %lu\n", ws.ops);
	family(f, "refdesk_writer_failed_total", "counter", "Writes that failed.");
	fprintf(f, "refdesk_writer_failed_total %lu\n", ws.failed);
	histogram(f, "refdesk_commit_seconds",
		  "A batch of writes from BEGIN to the return of its COMMIT.", &ws.batch_seconds);
	histogram(f, "refdesk_fsync_seconds",
		  "The COMMIT statement alone: the log's writes and its fsync.", &ws.commit_seconds);
	histogram(f, "refdesk_checkpoint_finish_seconds",
		  "The writer copying the last pages of a checkpoint itself, between two batches.",
		  &ws.checkpoint_seconds);
	histogram(f, "refdesk_search_index_seconds",
		  "A run of the search index's own thread (SQLite): messages made searchable.",
		  &ws.index_seconds);
	family(f, "refdesk_worker_queue_depth", "gauge",
	       "Jobs (password hashes, images) waiting for a worker thread.");
	fprintf(f, "refdesk_worker_queue_depth %zu\n", workq_queued(app->workq));
	family(f, "refdesk_duties", "gauge",
	       "1 while this process runs the shared duties (purge, follow-up outbox, XMPP link).");
	fprintf(f, "refdesk_duties %d\n", app_runs_duties(app) ? 1 : 0);
	family(f, "refdesk_xmpp_pending", "gauge",
	       "Operations from librarians on XMPP awaiting their reply (at most 4096).");
	fprintf(f, "refdesk_xmpp_pending %u\n", xmpp_ops_pending(app));
	bus_ops_metrics(app, f);
}

static void write_purge(FILE *f, struct app *app)
{
	static const char *const what[] = { "transcripts", "file_chats", "names", "files" };
	struct retention_stats rs;
	uint64_t n[4];
	size_t i;

	retention_get_stats(app, &rs);
	n[0] = rs.transcripts;
	n[1] = rs.file_chats;
	n[2] = rs.names;
	n[3] = rs.files;
	family(f, "refdesk_purge_runs_total", "counter", "Runs of the retention purge started.");
	fprintf(f, "refdesk_purge_runs_total %llu\n", (unsigned long long)rs.runs);
	family(f, "refdesk_purge_failed_total", "counter", "Batches of the purge that failed.");
	fprintf(f, "refdesk_purge_failed_total %llu\n", (unsigned long long)rs.failed);
	family(f, "refdesk_purge_running", "gauge", "1 while a run of the purge is in progress.");
	fprintf(f, "refdesk_purge_running %d\n", rs.running ? 1 : 0);
	family(f, "refdesk_purge_last_end_seconds", "gauge",
	       "When the last run of the purge ended (Unix time; 0 before the first).");
	fprintf(f, "refdesk_purge_last_end_seconds %.3f\n", (double)rs.last_end_ms / 1000.0);
	family(f, "refdesk_purged_total", "counter",
	       "What the purge deleted: transcripts, chats' images and files, names, stored files.");
	for (i = 0; i < ARRAY_SIZE(what); i++)
		fprintf(f, "refdesk_purged_total{what=\"%s\"} %llu\n", what[i], (unsigned long long)n[i]);
}

static void write_errors(FILE *f, struct app *app)
{
	struct stats_tally ws = app->srv->ws_errors;
	const struct stats_tally *cl = &app->metrics.client_errors;
	size_t i;

	/* One series per code: the transport's refusals and the operations' together. */
	for (i = 0; i < cl->n; i++)
		stats_tally_add_n(&ws, cl->names[i], cl->counts[i]);
	ws.other += cl->other;
	family(f, "refdesk_errors_total", "counter", "Refusals sent, by transport and wire code.");
	tally(f, "refdesk_errors_total", "http", &app->srv->http_errors);
	tally(f, "refdesk_errors_total", "ws", &ws);
}

static void get_metrics(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req_app(req);
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)params;
	if (!may_read(req)) {
		/* Exactly what a path that does not exist gets: nothing to find here. */
		http_not_found(req);
		return;
	}
	f = open_memstream(&body, &len);
	if (!f)
		abort(); /* out of memory */
	write_clients(f, app);
	write_counts(f, app);
	write_writer(f, app);
	write_purge(f, app);
	write_errors(f, app);
	if (fclose(f))
		abort();
	http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

const struct http_route metrics_routes[] = {
	/* Unlisted: another method answers as for a path that does not exist, not 405. */
	{ HTTP_GET, "/metrics", HTTP_UNLISTED, NULL, get_metrics },
};
const size_t metrics_nroutes = ARRAY_SIZE(metrics_routes);
