/*
 * history_test.c - Chat History's store queries against a temporary
 * database: counts kept as events are written, filters and keyset pages,
 * search (whole words, prefixes, every word somewhere in the chat, nothing
 * typed read as FTS5 syntax), and deleting a transcript.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

static char dir[64];
static int64_t alpha, beta, queue, other_queue;

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	store_account_add(st, "Alpha", "", &alpha);
	store_account_add(st, "Beta", "", &beta);
	store_queue_add(st, alpha, "ask", "Ask", &queue);
	store_queue_add(st, beta, "beta", "Beta", &other_queue);
	return st;
}

static void chat(struct store *st, int64_t id, int64_t account, int64_t q)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = account;
	c.queue_id = q;
	c.created_at = id * 1000;
	CHECK_EQ(store_chat_add(st, &c), 0);
}

static void say(struct store *st, int64_t id, const char *kind, const char *text)
{
	char body[256];
	struct store_event ev = { .chat_id = id, .kind = kind, .author = AUTHOR_GUEST, .at = 1 };

	snprintf(body, sizeof(body), "{\"text\":\"%s\"}", text);
	ev.body = body;
	CHECK_EQ(store_event_append(st, &ev) >= 0, 1);
}

struct seen {
	int n;
	int64_t ids[16];
	char snippet[256];
	int64_t msgs;
};

static int collect(void *ctx, const struct store_chat *c, const char *snippet)
{
	struct seen *s = ctx;

	if (s->n < 16)
		s->ids[s->n] = c->id;
	if (!s->n) {
		snprintf(s->snippet, sizeof(s->snippet), "%s", snippet);
		s->msgs = c->n_messages;
	}
	s->n++;
	return 0;
}

static struct seen find(struct store *st, const char *words, int64_t account)
{
	struct store_history_filter f = { .account_id = account, .status = -1, .limit = 10,
					  .words = words };
	struct seen s = { 0 };

	CHECK_EQ(store_index_now(st), 0);
	CHECK(!store_index_waiting(st));
	CHECK_EQ(store_history_list(st, &f, collect, &s), 0);
	return s;
}

/* A search without indexing first: what store_history_list() alone sees. */
static int64_t found_unindexed(struct store *st, const char *words, int64_t account)
{
	struct store_history_filter f = { .account_id = account, .status = -1, .limit = 10,
					  .words = words };
	struct seen s = { 0 };

	CHECK_EQ(store_history_list(st, &f, collect, &s), 0);
	return s.n;
}

static void search_and_counts(void)
{
	struct store *st = fresh_store();
	struct seen s;

	CHECK(st != NULL);
	chat(st, 1, alpha, queue);
	chat(st, 2, alpha, queue);
	chat(st, 3, beta, other_queue);
	say(st, 1, "message", "Where are the périodiques?");
	say(st, 1, "message", "Second floor");
	say(st, 1, "snapshot", "not indexed");
	say(st, 2, "message", "Periodicals please");
	say(st, 3, "message", "periodiques in another account");

	/* Committed messages wait for the index; store_index_now() adds them. */
	CHECK(store_index_waiting(st));
	CHECK_EQ(found_unindexed(st, "periodiques", alpha), 0);
	s = find(st, "periodiques", alpha);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.ids[0], 1);
	CHECK_EQ(s.msgs, 2);
	CHECK(strstr(s.snippet, "\x01périodiques\x02") != NULL);
	CHECK_EQ(find(st, "periodiques", beta).n, 1);
	CHECK_EQ(find(st, "period", alpha).n, 0);                  /* whole words */
	CHECK_EQ(find(st, "period*", alpha).n, 2);                 /* unless a prefix */
	CHECK_EQ(find(st, "floor periodiques", alpha).n, 1);       /* two messages, one chat */
	CHECK_EQ(find(st, "floor periodicals", alpha).n, 0);
	CHECK_EQ(find(st, "indexed", alpha).n, 0);                 /* only message text */
	/* FTS5 syntax is plain text here: no error, and no match for the operators. */
	CHECK_EQ(find(st, "\" OR * NEAR( col:x ^ AND", alpha).n, 0);
	CHECK_EQ(find(st, "\"periodiques\"", alpha).n, 1);
	s = find(st, NULL, alpha);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.ids[0], 2);                                    /* newest first */
	store_free(st);
}

static void keyset_pages(void)
{
	struct store *st = fresh_store();
	struct store_history_filter f = { .account_id = 0, .status = -1, .limit = 2 };
	struct seen s;
	int64_t id, want = 9;
	int pages = 0;

	CHECK(st != NULL);
	f.account_id = alpha;
	for (id = 1; id <= 9; id++) {
		chat(st, id, alpha, queue);
		say(st, id, "message", "common words");
	}
	CHECK_EQ(store_index_now(st), 0);
	for (int words = 0; words < 2; words++) {
		f.words = words ? "common" : NULL;
		f.before_at = f.before_id = 0;
		want = 9;
		for (pages = 0; pages < 10; pages++) {
			memset(&s, 0, sizeof(s));
			CHECK_EQ(store_history_list(st, &f, collect, &s), 0);
			for (int i = 0; i < s.n && i < 2; i++)
				CHECK_EQ(s.ids[i], want--);
			if (s.n < 2)
				break;
			f.before_id = s.ids[1];
			f.before_at = s.ids[1] * 1000;
		}
		CHECK_EQ(want, 0);
	}
	store_free(st);
}

static int orphan(void *ctx, const char *hash)
{
	char *out = ctx;

	strncat(out, hash, 600 - strlen(out) - 2);
	strcat(out, " ");
	return 0;
}

static void delete_transcript(void)
{
	struct store *st = fresh_store();
	struct store_chat c;
	struct store_blob b;
	char gone[600] = "";
	const char *mine = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *shared = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

	CHECK(st != NULL);
	chat(st, 1, alpha, queue);
	chat(st, 2, alpha, queue);
	say(st, 1, "message", "secret words");
	say(st, 2, "message", "secret too");
	CHECK_EQ(store_chat_blob_add(st, 1, mine, "image/png", 10, "a.png"), 0);
	CHECK_EQ(store_chat_blob_add(st, 1, shared, "image/png", 10, "b.png"), 0);
	CHECK_EQ(store_chat_blob_add(st, 2, shared, "image/png", 10, "b.png"), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ENDED, 0, 5000), 0);

	CHECK_EQ(store_chat_delete_transcript(st, 1, 7000, orphan, gone), 0);
	CHECK(strstr(gone, mine) != NULL);
	CHECK(strstr(gone, shared) == NULL);
	CHECK_EQ(store_blob_in_use(st, mine), 0);
	CHECK_EQ(store_blob_in_use(st, shared), 1);
	CHECK_EQ(store_chat_blob_get(st, 1, shared, &b), -ENOENT);
	CHECK_EQ(store_chat_blob_get(st, 2, shared, &b), 0);
	CHECK_EQ(find(st, "secret", alpha).n, 1);
	CHECK_EQ(find(st, "secret", alpha).ids[0], 2);
	CHECK_EQ(store_chat_get(st, 1, &c), 0);
	CHECK_EQ(c.deleted_at, 7000);
	CHECK_EQ(c.created_at, 1000);
	CHECK_EQ(c.ended_at, 5000);
	CHECK_EQ(c.n_messages, 1);
	CHECK(c.manage_token[0] != '\0');
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-history-test-%d", (int)getpid());
	RUN(search_and_counts);
	RUN(keyset_pages);
	RUN(delete_transcript);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
