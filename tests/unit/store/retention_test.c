/*
 * retention_test.c - queues' retention rules and the purge's batches
 * against a temporary database: a rule read back (none: -ENOENT); text,
 * files and names each deleted only from ended chats of the queue that
 * ended before their cut-off; the chat row and its times kept; a blob
 * another chat reads kept; a batch never larger than asked, with `more`
 * saying when to call again; a second run finding nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, queue, other_queue;

static const char *mine = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *shared = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_queue_add(st, alpha, "ask", "Ask", &queue);
	store_queue_add(st, alpha, "other", "Other", &other_queue);
	return st;
}

static void append(struct store *st, int64_t id, const char *kind, enum event_author author,
		   const char *body)
{
	struct store_event ev = {
	    .chat_id = id, .kind = kind, .author = author, .body = body, .at = 1};

	CHECK_EQ(store_event_append(st, &ev) >= 0, 1);
}

/* A chat of queue `q` with a named guest, a message, a snapshot; ended at `ended` (0: open). */
static void chat(struct store *st, int64_t id, int64_t q, int64_t ended, const char *blob)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = alpha;
	c.queue_id = q;
	c.created_at = 100;
	snprintf(c.guest_name, sizeof(c.guest_name), "Zebulon");
	CHECK_EQ(store_chat_add(st, &c), 0);
	append(st, id, "notice", AUTHOR_SYSTEM, "{\"notice\":\"started\",\"name\":\"Zebulon\"}");
	append(st, id, "message", AUTHOR_GUEST, "{\"text\":\"xyzzy card\",\"name\":\"Zebulon\"}");
	append(st, id, "message", AUTHOR_OPERATOR, "{\"text\":\"hello\",\"name\":\"Bob\"}");
	CHECK_EQ(store_chat_blob_add(st, id, blob, "image/png", 10, "secret.png"), 0);
	append(st, id, "snapshot", AUTHOR_GUEST,
	       "{\"blob\":\"x\",\"file_name\":\"secret.png\",\"name\":\"Zebulon\"}");
	if (ended)
		CHECK_EQ(store_chat_set_status(st, id, CHAT_ENDED, 0, ended), 0);
}

struct text {
	char all[4096];
};

static int add_body(void *ctx, const struct store_event *ev)
{
	struct text *t = ctx;

	strncat(t->all, ev->kind, sizeof(t->all) - strlen(t->all) - 1);
	strncat(t->all, ev->body, sizeof(t->all) - strlen(t->all) - 1);
	return 0;
}

static struct text events_of(struct store *st, int64_t id)
{
	struct text t = {""};

	CHECK_EQ(store_events_since(st, id, 0, 100, add_body, &t), 0);
	return t;
}

static int orphan(void *ctx, const char *hash)
{
	char *out = ctx;

	strncat(out, hash, 600 - strlen(out) - 2);
	strcat(out, " ");
	return 0;
}

static struct store_purge purge(struct store *st, int64_t q, int64_t text, int64_t files,
				int64_t names, int max, char *gone)
{
	struct store_purge p = {.queue_id = q,
				.text_before = text,
				.files_before = files,
				.names_before = names,
				.at = 9999,
				.max_chats = max};

	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_purge_queue(st, &p, orphan, gone), 0);
	CHECK_EQ(store_commit(st), 0);
	return p;
}

static void rules_read_back(void)
{
	struct store *st = fresh_store();
	struct store_retention r = {0}, out;

	CHECK(st != NULL);
	CHECK_EQ(store_retention_get(st, queue, &out), -ENOENT);
	r.queue_id = queue;
	r.text_days = 3;
	r.files_days = 1;
	r.keep_names = true;
	r.updated_at = 42;
	CHECK_EQ(store_retention_set(st, &r), 0);
	r.text_days = 4;
	CHECK_EQ(store_retention_set(st, &r), 0);
	CHECK_EQ(store_retention_get(st, queue, &out), 0);
	CHECK_EQ(out.text_days, 4);
	CHECK_EQ(out.files_days, 1);
	CHECK_EQ(out.keep_names, true);
	CHECK_EQ(out.updated_at, 42);
	CHECK_EQ(store_retention_get(st, other_queue, &out), -ENOENT);
	store_free(st);
}

static void names_then_files_then_text(void)
{
	struct store *st = fresh_store();
	struct store_purge p;
	struct store_chat c;
	struct store_blob b;
	struct text t;
	char gone[600] = "";

	CHECK(st != NULL);
	chat(st, 1, queue, 5000, mine);
	chat(st, 2, queue, 0, shared);		/* still open */
	chat(st, 3, other_queue, 5000, shared); /* another queue */

	/* Names: due for chat 1 only. */
	p = purge(st, queue, 0, 0, 6000, 10, gone);
	CHECK_EQ(p.n_names, 1);
	CHECK_EQ(p.n_text + p.n_files + p.n_blobs, 0);
	CHECK_EQ(p.more, false);
	CHECK_EQ(store_chat_get(st, 1, &c), 0);
	CHECK_EQ(c.guest_name[0], '\0');
	t = events_of(st, 1);
	CHECK(strstr(t.all, "Zebulon") == NULL);
	CHECK(strstr(t.all, "\"name\":\"Bob\"") !=
	      NULL); /* the operator's name is not the guest's */
	CHECK(strstr(t.all, "xyzzy") != NULL);
	CHECK_EQ(store_chat_get(st, 2, &c), 0);
	CHECK(!strcmp(c.guest_name, "Zebulon"));
	CHECK_EQ(store_chat_get(st, 3, &c), 0);
	CHECK(!strcmp(c.guest_name, "Zebulon"));

	/* Files: the snapshot becomes a notice, the link and the unread blob go.  One more came
	 * in after the end (past the tally the end made): both stay counted. */
	append(st, 1, "snapshot", AUTHOR_GUEST, "{\"blob\":\"y\",\"file_name\":\"late.png\"}");
	CHECK_EQ(store_chat_get(st, 1, &c), 0);
	CHECK_EQ(c.n_snapshots, 2);
	p = purge(st, queue, 0, 6000, 0, 10, gone);
	CHECK_EQ(p.n_files, 1);
	CHECK_EQ(p.n_blobs, 1);
	CHECK(strstr(gone, mine) != NULL);
	CHECK_EQ(store_chat_blob_get(st, 1, mine, &b), -ENOENT);
	CHECK_EQ(store_blob_in_use(st, mine), 0);
	t = events_of(st, 1);
	CHECK(strstr(t.all, "secret.png") == NULL);
	CHECK(strstr(t.all, "late.png") == NULL);
	CHECK_EQ(store_chat_get(st, 1, &c), 0);
	CHECK_EQ(c.n_snapshots, 2);
	CHECK(strstr(t.all, "snapshot") != NULL); /* the notice's "what" */
	CHECK(strstr(t.all, "\"notice\":\"removed\"") != NULL);
	CHECK(strstr(t.all, "xyzzy") != NULL);
	CHECK_EQ(store_chat_blob_get(st, 2, shared, &b), 0);
	/* Done once: the second time finds nothing. */
	p = purge(st, queue, 0, 6000, 6000, 10, gone);
	CHECK_EQ(p.n_files + p.n_names + p.n_text, 0);

	/* Text: the transcript goes, the row and its times stay. */
	p = purge(st, queue, 6000, 6000, 6000, 10, gone);
	CHECK_EQ(p.n_text, 1);
	CHECK_EQ(store_chat_get(st, 1, &c), 0);
	CHECK_EQ(c.deleted_at, 9999);
	CHECK_EQ(c.created_at, 100);
	CHECK_EQ(c.ended_at, 5000);
	CHECK_EQ(c.n_messages, 2);
	CHECK_EQ(events_of(st, 1).all[0], '\0');
	/* The open chat and the other queue's chat kept everything. */
	CHECK(strstr(events_of(st, 2).all, "xyzzy") != NULL);
	CHECK(strstr(events_of(st, 3).all, "Zebulon") != NULL);
	CHECK_EQ(store_chat_blob_get(st, 3, shared, &b), 0);
	store_free(st);
}

static void a_shared_blob_stays_and_batches_are_bounded(void)
{
	struct store *st = fresh_store();
	struct store_purge p;
	char gone[600] = "";
	int i, total = 0;

	CHECK(st != NULL);
	for (i = 1; i <= 5; i++)
		chat(st, i, queue, 1000 + i, shared);
	chat(st, 6, other_queue, 1000, shared);
	p = purge(st, queue, 0, 9000, 0, 2, gone);
	CHECK_EQ(p.n_files, 2);
	CHECK_EQ(p.more, true);
	total += p.n_files;
	while (p.more) {
		p = purge(st, queue, 0, 9000, 0, 2, gone);
		total += p.n_files;
	}
	CHECK_EQ(total, 5);
	CHECK_EQ(gone[0], '\0'); /* chat 6 still reads it */
	CHECK_EQ(store_blob_in_use(st, shared), 1);
	/* Out-of-range batches are refused before anything is done. */
	p.max_chats = 0;
	CHECK_EQ(store_purge_queue(st, &p, NULL, NULL), -EINVAL);
	p.max_chats = STORE_PURGE_BATCH_MAX + 1;
	CHECK_EQ(store_purge_queue(st, &p, NULL, NULL), -EINVAL);
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-retention-test-%d", (int)getpid());
	RUN(rules_read_back);
	RUN(names_then_files_then_text);
	RUN(a_shared_blob_stays_and_batches_are_bounded);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
