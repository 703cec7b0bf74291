/*
 * purge.c - see purge.h.
 *
 * The same batches as the server's purge (store_purge_queue()), each in a
 * transaction of its own with its audit entry (actor "command line"), so
 * the server's writer waits for one batch at most; the files no chat reads
 * any more are removed after each commit.  The queues are read first: the
 * batches write while no read is open.
 *
 * Then it sweeps blobs/ for files no chat reads that an earlier removal
 * missed (the server stopped between a commit and its unlink): only files
 * older than PURGE_SWEEP_AGE_S, since an upload writes (or, for bytes
 * stored already, touches) its file before the commit that makes a chat
 * read it.
 *
 * A running server may be adding rows meanwhile, so every check-and-unlink
 * here holds the database's write lock (BEGIN IMMEDIATE), as the server's
 * writer does for its own: no row naming a file can commit between the
 * check and the unlink, and the server checks the file before adding a row
 * (media/blobs.h).
 */
#include "admin/purge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "chat/retention.h"
#include "media/blobs.h"
#include "store/store.h"

#define PURGE_BATCH 100
#define PURGE_SWEEP_AGE_S 3600 /* far longer than an upload takes from its file to its commit */

struct queue_rule {
	struct store_queue q;
	struct retention_rule rule;
};

struct purge_ctx {
	struct store *st;
	const char *data_dir;
	struct queue_rule *queues;
	size_t n;
	char (*orphans)[BLOB_HASH_HEX];
	size_t norphans;
	bool deleted_text; /* some transcript went: compact the search index once at the end */
};

static int add_queue(void *arg, const struct store_queue *q)
{
	struct purge_ctx *c = arg;

	c->queues = xrealloc(c->queues, (c->n + 1) * sizeof(*c->queues));
	c->queues[c->n].q = *q;
	c->queues[c->n].rule = retention_rule_default();
	c->n++;
	return 0;
}

static int add_account(void *arg, const struct store_account *a)
{
	struct purge_ctx *c = arg;

	return store_queues_of_account(c->st, a->id, add_queue, c);
}

static int keep_orphan(void *arg, const char *hash)
{
	struct purge_ctx *c = arg;

	c->orphans = xrealloc(c->orphans, (c->norphans + 1) * sizeof(*c->orphans));
	str_copy(c->orphans[c->norphans++], sizeof(c->orphans[0]), hash);
	return 0;
}

/* After a commit: remove the files no chat reads (unless taken again since), under the lock. */
static void remove_orphans(struct purge_ctx *c)
{
	size_t i;

	if (c->norphans && store_begin(c->st) == 0) {
		for (i = 0; i < c->norphans; i++)
			if (blobs_remove_unused(c->st, c->data_dir, c->orphans[i]) < 0)
				fprintf(stderr, "refdesk admin: could not remove blob %.12s…\n",
					c->orphans[i]);
		if (store_commit(c->st) < 0)
			store_rollback(c->st);
	}
	c->norphans = 0;
}

/* One batch in its own transaction, with its audit entry. */
static int batch(struct purge_ctx *c, const struct queue_rule *qr, struct store_purge *p)
{
	struct store_audit e;
	int rc = store_begin(c->st);

	if (rc < 0)
		return rc;
	rc = store_purge_queue(c->st, p, keep_orphan, c);
	if (!rc && (p->n_text || p->n_files || p->n_names || p->n_followups)) {
		memset(&e, 0, sizeof(e));
		e.account_id = qr->q.account_id;
		e.at = time_now_ms();
		str_copy(e.actor, sizeof(e.actor), STORE_AUDIT_ACTOR_CLI);
		str_copy(e.action, sizeof(e.action), STORE_AUDIT_RETENTION_PURGE);
		str_copy(e.target, sizeof(e.target), qr->q.name);
		retention_purge_describe(&qr->rule, p->n_text, p->n_files, p->n_blobs, p->n_names,
					 p->n_followups, e.detail, sizeof(e.detail));
		rc = store_audit_add(c->st, &e);
	}
	if (!rc)
		rc = store_commit(c->st);
	if (rc < 0) {
		store_rollback(c->st);
		c->norphans = 0;
		return rc;
	}
	remove_orphans(c);
	return 0;
}

static int purge_queue(struct purge_ctx *c, const struct queue_rule *qr, int64_t now)
{
	struct retention_cutoffs cut;
	struct store_purge p;
	long text = 0, files = 0, names = 0, blobs = 0;
	int rc;

	retention_cutoffs(&qr->rule, now, &cut);
	do {
		memset(&p, 0, sizeof(p));
		p.queue_id = qr->q.id;
		p.text_before = cut.text_before;
		p.files_before = cut.files_before;
		p.names_before = cut.names_before;
		p.at =
		    time_now_ms(); /* when it happened, whatever time the rules are applied as of */
		p.max_chats = PURGE_BATCH;
		rc = batch(c, qr, &p);
		if (rc < 0)
			return rc;
		text += p.n_text;
		files += p.n_files;
		names += p.n_names;
		blobs += p.n_blobs;
	} while (p.more);
	c->deleted_text |= text > 0;
	if (text || files || names)
		printf("%s: %ld transcripts deleted, files of %ld chats removed, %ld guest names "
		       "removed, %ld files deleted from disk\n",
		       qr->q.name, text, files, names, blobs);
	return 0;
}

/* Remove the old files of one blobs/xx/ directory that no chat reads; counts them in *n. */
static void sweep_dir(struct purge_ctx *c, const char *path, time_t before, long *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	struct stat sb;

	if (!d)
		return;
	if (store_begin(c->st) < 0) {
		closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		if (!blobs_hash_is_valid(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || sb.st_mtime >= before)
			continue;
		if (blobs_remove_unused(c->st, c->data_dir, e->d_name) == 1)
			(*n)++;
	}
	if (store_commit(c->st) < 0)
		store_rollback(c->st);
	closedir(d);
}

static void sweep_files(struct purge_ctx *c)
{
	char top[4096], sub[4400];
	time_t before = time(NULL) - PURGE_SWEEP_AGE_S;
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(top, sizeof(top), "%s/blobs", c->data_dir);
	d = opendir(top);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) != 2)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", top, e->d_name);
		sweep_dir(c, sub, before, &n);
	}
	closedir(d);
	if (n)
		printf("%ld file%s that no chat reads removed from disk\n", n, n == 1 ? "" : "s");
}

/* +Nd, YYYY-MM-DD or milliseconds since the epoch. */
static int parse_when(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;
	long long v;

	if (s[0] == '+') {
		v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || strcmp(end, "d") || v < 0 || v > 100 * 366)
			return -EINVAL;
		*out = time_now_ms() + v * 86400000LL;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && !*end) {
		*out = (int64_t)timegm(&tm) * 1000;
		return 0;
	}
	v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int admin_purge(struct store *st, const char *data_dir, int argc, char **argv)
{
	struct purge_ctx c = {st, data_dir, NULL, 0, NULL, 0, false};
	struct store_retention sr;
	int64_t now = time_now_ms();
	size_t i;
	int rc = 0;

	if (argc == 2 && !strcmp(argv[0], "--now")) {
		if (parse_when(argv[1], &now) < 0)
			return -EINVAL;
	} else if (argc != 0) {
		return -EINVAL;
	}
	if (store_accounts_each(st, add_account, &c) < 0) {
		fprintf(stderr, "refdesk admin: could not read the queues\n");
		free(c.queues);
		return 1;
	}
	for (i = 0; i < c.n && rc >= 0; i++) {
		rc = store_retention_get(st, c.queues[i].q.id, &sr);
		if (rc == 0) {
			c.queues[i].rule.text_days = sr.text_days;
			c.queues[i].rule.files_days = sr.files_days;
			c.queues[i].rule.keep_names = sr.keep_names;
		}
		rc = rc == -ENOENT ? 0 : rc;
		if (rc >= 0)
			rc = purge_queue(&c, &c.queues[i], now);
	}
	if (rc >= 0 && c.deleted_text)
		rc = store_search_optimize(c.st);
	if (rc >= 0)
		sweep_files(&c);
	if (rc < 0)
		fprintf(stderr, "refdesk admin: the purge failed (%s); what was committed stays\n",
			strerror(-rc));
	free(c.orphans);
	free(c.queues);
	return rc < 0 ? 1 : 0;
}
