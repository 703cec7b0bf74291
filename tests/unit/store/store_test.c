/*
 * store_test.c - the SQLite store against a temporary database: schema,
 * names, sessions, the per-chat event log (sequence numbers, duplicate
 * client ids), and the writer thread's group commit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "check.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/writer.h"

static char dir[64];

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return NULL;
	if (store_open(&st, dir) < 0)
		return NULL;
	return st;
}

static int64_t add_chat(struct store *st, int64_t id, int64_t account, int64_t queue)
{
	struct store_chat c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = account;
	c.queue_id = queue;
	c.status = CHAT_WAITING;
	c.created_at = 1;
	return store_chat_add(st, &c);
}

/* An account with one queue and chat `id` in it; returns the account. */
static int64_t account_with_chat(struct store *st, int64_t id)
{
	int64_t account, queue;

	CHECK_EQ(store_account_add(st, "A", "", &account), 0);
	CHECK_EQ(store_queue_add(st, account, "q", "Q", &queue), 0);
	CHECK_EQ(add_chat(st, id, account, queue), 0);
	return account;
}

static void names_are_unique(void)
{
	struct store *st = fresh_store();
	struct store_operator o;
	struct store_queue q;
	int64_t a, b, qid;

	CHECK(st != NULL);
	CHECK_EQ(store_account_add(st, "Alpha", "", &a), 0);
	CHECK_EQ(store_account_add(st, "Alpha", "", &b), -EEXIST);
	CHECK_EQ(store_queue_add(st, a, "ask", "Ask us", &qid), 0);
	CHECK_EQ(store_queue_add(st, a, "ask", "Again", &qid), -EEXIST);
	CHECK_EQ(store_queue_by_name(st, "ask", &q), 0);
	CHECK(!strcmp(q.title, "Ask us"));
	CHECK_EQ(store_queue_by_name(st, "nope", &q), -ENOENT);
	memset(&o, 0, sizeof(o));
	o.account_id = a;
	snprintf(o.username, sizeof(o.username), "ann");
	snprintf(o.name, sizeof(o.name), "Ann");
	snprintf(o.pwhash, sizeof(o.pwhash), "x");
	CHECK_EQ(store_operator_add(st, &o, &o.id), 0);
	CHECK_EQ(store_operator_add(st, &o, &o.id), -EEXIST);
	store_free(st);
}

static void events_get_consecutive_seqs(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { 0 };
	int64_t account, queue, max = -1;
	int i;

	store_account_add(st, "A", "", &account);
	store_queue_add(st, account, "q", "Q", &queue);
	CHECK_EQ(store_chat_max_id(st, &max), 0);
	CHECK_EQ(max, 0);
	CHECK_EQ(add_chat(st, 100, account, queue), 0);
	CHECK_EQ(add_chat(st, 200, account, queue), 0);
	CHECK_EQ(add_chat(st, 200, account, queue), -EEXIST);
	CHECK_EQ(store_chat_max_id(st, &max), 0);
	CHECK_EQ(max, 200);
	ev.kind = "message";
	ev.author = AUTHOR_GUEST;
	ev.body = "{\"text\":\"hi\"}";
	for (i = 1; i <= 5; i++) {
		ev.chat_id = i % 2 ? 100 : 200;
		CHECK_EQ(store_event_append(st, &ev), 0);
	}
	/* Each chat counts on its own: 100 got seqs 1,2,3 and 200 got 1,2. */
	CHECK_EQ(ev.seq, 3);
	ev.chat_id = 200;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 3);
	ev.chat_id = 999;
	CHECK_EQ(store_event_append(st, &ev), -ENOENT);
	store_free(st);
}

static void same_client_id_is_stored_once(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { 0 };

	account_with_chat(st, 100);
	ev.chat_id = 100;
	ev.kind = "message";
	ev.author = AUTHOR_GUEST;
	ev.body = "{}";
	ev.cid = "m-1";
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 1);
	ev.cid = "m-2";
	CHECK_EQ(store_event_append(st, &ev), 0);
	ev.cid = "m-1";
	CHECK_EQ(store_event_append(st, &ev), 1); /* a duplicate: the first seq */
	CHECK_EQ(ev.seq, 1);
	ev.author = AUTHOR_OPERATOR; /* another author's m-1 is another message */
	ev.operator_id = 7;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 3);
	store_free(st);
}

struct cid_count {
	const char *cid;
	int n;
};

static int count_one_cid(void *arg, const struct store_event *ev)
{
	struct cid_count *c = arg;

	c->n += ev->cid && !strcmp(ev->cid, c->cid);
	return 0;
}

/* The number of events of chat `chat_id` with client id `cid`. */
static int count_cid(struct store *st, int64_t chat_id, const char *cid)
{
	struct cid_count c = { cid, 0 };

	if (store_events_since(st, chat_id, 0, 1000, count_one_cid, &c) < 0)
		return -1;
	return c.n;
}

/*
 * The author of a client id is the individual: two operators writing in
 * one chat (after a transfer, or over XMPP) with the same cid write two
 * messages; each one's retry is still its own first message.
 */
static void client_ids_are_per_operator(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 100, .kind = "message", .author = AUTHOR_OPERATOR,
				  .operator_id = 7, .cid = "o-answer-1", .body = "{}" };

	account_with_chat(st, 100);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 1);
	ev.operator_id = 8;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 2);
	ev.author = AUTHOR_GUEST; /* the guest reusing it, as a hostile one would */
	ev.operator_id = 0;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 3);
	/* Each author's retry: nothing written, that author's own seq. */
	CHECK_EQ(store_event_append(st, &ev), 1);
	CHECK_EQ(ev.seq, 3);
	ev.author = AUTHOR_OPERATOR;
	ev.operator_id = 8;
	CHECK_EQ(store_event_append(st, &ev), 1);
	CHECK_EQ(ev.seq, 2);
	ev.operator_id = 7;
	CHECK_EQ(store_event_append(st, &ev), 1);
	CHECK_EQ(ev.seq, 1);
	CHECK_EQ(count_cid(st, 100, "o-answer-1"), 3);
	/* Inside the writer's kind of transaction as well. */
	CHECK_EQ(store_begin(st), 0);
	ev.operator_id = 9;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 4);
	CHECK_EQ(store_event_append(st, &ev), 1);
	CHECK_EQ(ev.seq, 4);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(count_cid(st, 100, "o-answer-1"), 4);
	store_free(st);
}

static int count_events(void *arg, const struct store_event *ev)
{
	int64_t *last = arg;

	if (ev->seq != *last + 1)
		return -EINVAL;
	*last = ev->seq;
	return 0;
}

static void events_since_reads_in_order(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { 0 };
	int64_t last;
	int i;

	account_with_chat(st, 100);
	ev.chat_id = 100;
	ev.kind = "message";
	ev.body = "{}";
	for (i = 0; i < 20; i++)
		store_event_append(st, &ev);
	last = 12;
	CHECK_EQ(store_events_since(st, 100, 12, 5, count_events, &last), 0);
	CHECK_EQ(last, 17); /* the limit */
	CHECK_EQ(store_events_since(st, 100, 17, 100, count_events, &last), 0);
	CHECK_EQ(last, 20);
	store_free(st);
}

/* Who takes a chat is the database's answer, not a process's memory. */
static void the_first_accept_and_hand_over_win_in_the_store(void)
{
	struct store *st = fresh_store();
	struct store_operator ann = { .username = "ann", .name = "Ann", .pwhash = "x" };
	struct store_operator bob = ann;
	struct store_chat row;
	int64_t account;

	CHECK(st != NULL);
	if (!st)
		return;
	account = account_with_chat(st, 1);
	ann.account_id = bob.account_id = account;
	snprintf(bob.username, sizeof(bob.username), "bob");
	CHECK_EQ(store_operator_add(st, &ann, &ann.id), 0);
	CHECK_EQ(store_operator_add(st, &bob, &bob.id), 0);

	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ACTIVE, ann.id, 10), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ACTIVE, bob.id, 11), -EALREADY);
	CHECK_EQ(store_chat_get(st, 1, &row), 0);
	CHECK_EQ(row.operator_id, ann.id);

	/* Handed over only from the holder it was asked of. */
	CHECK_EQ(store_chat_hand_over(st, 1, CHAT_ACTIVE, ann.id, row.queue_id, bob.id), -EALREADY);
	CHECK_EQ(store_chat_hand_over(st, 1, CHAT_ACTIVE, bob.id, row.queue_id, ann.id), 0);
	CHECK_EQ(store_chat_hand_over(st, 1, CHAT_ACTIVE, ann.id, row.queue_id, ann.id), -EALREADY);
	/* Back on its queue nobody holds it, and the next accept takes it again. */
	CHECK_EQ(store_chat_hand_over(st, 1, CHAT_WAITING, 0, row.queue_id, bob.id), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ACTIVE, ann.id, 12), 0);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ENDED, 0, 13), 0);
	CHECK_EQ(store_chat_hand_over(st, 1, CHAT_ACTIVE, bob.id, row.queue_id, ann.id), -ECANCELED);
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ACTIVE, bob.id, 14), -ECANCELED);
	CHECK_EQ(store_chat_get(st, 1, &row), 0);
	CHECK_EQ(row.status, CHAT_ENDED);
	CHECK_EQ(row.operator_id, ann.id);
	store_free(st);
}

static void sessions_expire(void)
{
	struct store *st = fresh_store();
	unsigned char h1[32] = { 1 }, h2[32] = { 2 };
	struct store_session s;
	struct store_operator o = { 0 };
	int64_t account;

	store_account_add(st, "A", "", &account);
	o.account_id = account;
	snprintf(o.username, sizeof(o.username), "ann");
	store_operator_add(st, &o, &o.id);
	CHECK_EQ(store_session_add(st, h1, o.id, "csrf1", 1000), 0);
	CHECK_EQ(store_session_add(st, h2, o.id, "csrf2", 5000), 0);
	CHECK_EQ(store_session_get(st, h1, 999, &s), 0);
	CHECK(!strcmp(s.csrf, "csrf1"));
	CHECK_EQ(store_session_get(st, h1, 1000, &s), -ENOENT);
	CHECK_EQ(store_session_touch(st, h1, 9000), 0);
	CHECK_EQ(store_session_get(st, h1, 1000, &s), 0);
	CHECK_EQ(store_sessions_delete_operator(st, o.id, h2), 0);
	CHECK_EQ(store_session_get(st, h1, 0, &s), -ENOENT);
	CHECK_EQ(store_session_get(st, h2, 0, &s), 0);
	store_free(st);
}

/* ---- the writer ---- */

struct test_op {
	struct store_op op;
	int64_t chat_id;
	int64_t seq;
	int rc;
	int *done_order;
	int index;
	int applied; /* when the writer applied it, counted from 1 (apply_counter) */
};

static int apply_counter;

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static int wakes;

static void wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wakes++;
	pthread_mutex_unlock(&wake_lock);
}

static int test_apply(struct store *st, struct store_op *op)
{
	struct test_op *t = container_of(op, struct test_op, op);
	struct store_event ev = { 0 };
	int rc;

	ev.chat_id = t->chat_id;
	ev.kind = "message";
	ev.body = "{}";
	t->applied = ++apply_counter;
	rc = store_event_append(st, &ev);
	t->seq = ev.seq;
	return rc;
}

static int next_done;

static void test_done(struct store_op *op, int rc)
{
	struct test_op *t = container_of(op, struct test_op, op);

	t->rc = rc;
	t->done_order[t->index] = next_done++;
}

static void writer_groups_one_turn_into_one_commit(void)
{
	struct store *st = fresh_store();
	struct writer *w;
	struct writer_stats stats;
	struct test_op ops[50];
	int order[50], i;

	account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	next_done = 0;
	for (i = 0; i < 50; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].op.apply = test_apply;
		ops[i].op.done = test_done;
		ops[i].chat_id = i == 25 ? 999 : 100; /* one op fails alone */
		ops[i].done_order = order;
		ops[i].index = i;
		writer_submit(w, &ops[i].op);
	}
	writer_flush(w);
	while (writer_busy(w)) {
		writer_drain(w);
		usleep(1000);
	}
	writer_get_stats(w, &stats);
	CHECK_EQ(stats.batches, 1);
	CHECK_EQ(stats.ops, 50);
	CHECK_EQ(stats.failed, 1);
	for (i = 0; i < 50; i++) {
		CHECK_EQ(order[i], i); /* done() in submission order */
		if (i == 25)
			CHECK_EQ(ops[i].rc, -ENOENT);
		else
			CHECK_EQ(ops[i].rc, 0);
	}
	CHECK_EQ(ops[49].seq, 49);
	CHECK(wakes > 0);
	writer_free(w);
	store_free(st);
}

/*
 * A batch applies its ops chat by chat, the lowest id first and each chat's
 * in the order they came (two processes on one database then never wait
 * for each other in a cycle), and still answers them in submission order.
 */
static void writer_applies_a_batch_chat_by_chat(void)
{
	static const int64_t chats[9] = { 300, 100, 200, 300, 100, 0, 200, 100, 300 };
	struct store *st = fresh_store();
	struct writer *w;
	struct test_op ops[9];
	int order[9], i, j;
	int64_t account, queue;

	CHECK_EQ(store_account_add(st, "A", "", &account), 0);
	CHECK_EQ(store_queue_add(st, account, "q", "Q", &queue), 0);
	for (i = 1; i <= 3; i++)
		CHECK_EQ(add_chat(st, 100 * i, account, queue), 0);
	CHECK_EQ(add_chat(st, 400, account, queue), 0);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	next_done = 0;
	apply_counter = 0;
	for (i = 0; i < 9; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].op.apply = test_apply;
		ops[i].op.done = test_done;
		ops[i].op.order = chats[i];
		ops[i].chat_id = chats[i] ? chats[i] : 400; /* an op of no chat in particular goes first */
		ops[i].done_order = order;
		ops[i].index = i;
		writer_submit(w, &ops[i].op);
	}
	writer_flush(w);
	while (writer_busy(w)) {
		writer_drain(w);
		usleep(1000);
	}
	for (i = 0; i < 9; i++) {
		CHECK_EQ(order[i], i); /* done() in submission order */
		CHECK_EQ(ops[i].rc, 0);
		for (j = 0; j < 9; j++)
			if (chats[j] < chats[i] || (chats[j] == chats[i] && j < i))
				CHECK(ops[j].applied < ops[i].applied);
	}
	CHECK_EQ(ops[5].applied, 1);
	/* Each chat's seqs in the order its ops came. */
	CHECK_EQ(ops[1].seq, 1);
	CHECK_EQ(ops[4].seq, 2);
	CHECK_EQ(ops[7].seq, 3);
	CHECK_EQ(ops[0].seq, 1);
	CHECK_EQ(ops[8].seq, 3);
	writer_free(w);
	store_free(st);
}

/* A seq the caller knows is taken (another process wrote it) is not offered again. */
static void an_event_goes_above_what_the_caller_has_seen(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 100, .kind = "message", .body = "{}" };

	account_with_chat(st, 100);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 1);
	ev.after = 0;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 2);
	ev.after = 1; /* behind this connection's memory: no change */
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 3);
	store_free(st);
}

/* Appends a message, then fails when asked: its savepoint is rolled back. */
static struct store *writer_store_seen;

static int say_apply(struct store *st, struct store_op *op)
{
	struct test_op *t = container_of(op, struct test_op, op);
	char body[64];
	struct store_event ev = { .chat_id = t->chat_id, .kind = "message", .body = body };
	int rc;

	writer_store_seen = st;
	snprintf(body, sizeof(body), "{\"text\":\"%s %d\"}", t->index % 3 ? "plain" : "zebra",
		 t->index);
	rc = store_event_append(st, &ev);
	t->seq = ev.seq;
	return rc < 0 ? rc : t->index == 7 ? -EINVAL : 0;
}

static int count_found(void *ctx, const struct store_chat *c, const char *snippet)
{
	(void)c;
	(void)snippet;
	++*(int64_t *)ctx;
	return 0;
}

static int64_t search(struct store *st, int64_t account, const char *words)
{
	struct store_history_filter f = { .account_id = account, .status = -1, .limit = 100,
					  .words = words };
	int64_t n = 0;

	CHECK_EQ(store_history_list(st, &f, count_found, &n), 0);
	return n;
}

/* Hand the writer what was submitted and wait until all of it is answered. */
static void flush_and_wait(struct writer *w)
{
	writer_flush(w);
	while (writer_busy(w)) {
		writer_drain(w);
		usleep(1000);
	}
}

/* Twelve say_apply() ops for chat 100, submitted at once; back when all are answered. */
static void say_twelve(struct writer *w, struct test_op ops[12], int *order)
{
	int i;

	for (i = 0; i < 12; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].op.apply = say_apply;
		ops[i].op.done = test_done;
		ops[i].chat_id = 100;
		ops[i].done_order = order;
		ops[i].index = i;
		writer_submit(w, &ops[i].op);
	}
	flush_and_wait(w);
}

/*
 * The chat's last seq and message count come from the events committed,
 * an op rolled back to its savepoint leaves no trace in them, and the
 * writer indexes the messages for search by itself shortly after.
 */
static void writer_counts_at_commit_and_indexes_later(void)
{
	struct store *st = fresh_store();
	struct store_chat c;
	struct writer *w;
	struct test_op ops[12];
	int order[12], waited;
	int64_t account;

	account = account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	say_twelve(w, ops, order);
	CHECK_EQ(ops[7].rc, -EINVAL);
	CHECK_EQ(ops[8].seq, 8);   /* the rolled-back op's seq is taken again */
	CHECK_EQ(ops[11].seq, 11);
	CHECK_EQ(store_chat_get(st, 100, &c), 0);
	CHECK_EQ(c.last_seq, 11);
	CHECK_EQ(c.n_messages, 11);
	/* Indexed in the background: 0, 3, 6, 9 say "zebra" (each chat counts once). */
	for (waited = 0; waited < 5000 && !search(st, account, "zebra"); waited += 10)
		usleep(10000);
	CHECK_EQ(search(st, account, "zebra"), 1);
	CHECK_EQ(search(st, account, "\"zebra 7\""), 0);
	CHECK_EQ(search(st, account, "\"zebra 9\""), 1);
	writer_free(w);
	store_free(st);
}

/* Rows of the search index's text for chat `chat_id` (deleted text leaves none). */
static int text_rows(struct store *st, int64_t chat_id)
{
	struct db_stmt *s;
	int n = -1;

	if (db_prepare(store_db(st), "SELECT count(*) FROM search.message_text WHERE chat_id = ?1",
		       &s) < 0)
		return -1;
	db_bind_int64(s, 1, chat_id);
	if (db_step(s) == DB_ROW)
		n = db_column_int(s, 0);
	db_finalize(s);
	return n;
}

static int64_t found_then;
static struct store *index_store_seen;

/* An op for the index's connection: what a search finds there, as it runs. */
static int search_apply(struct store *st, struct store_op *op)
{
	(void)op;
	index_store_seen = st;
	found_then = search(st, 1, "\"zebra 9\"");
	return 0;
}

/* A search op (search_apply()), answered 13th after say_twelve()'s; back when it is answered. */
static void search_after_twelve(struct writer *w, struct test_op *find, int *order)
{
	find->op.apply = search_apply;
	find->op.done = test_done;
	find->op.index = true;
	find->done_order = order;
	find->index = 12;
	writer_submit(w, &find->op);
	flush_and_wait(w);
}

/*
 * On SQLite the search index has a file and a thread of its own: the
 * writer commits while an index run holds that file, and an op marked for
 * the index runs there once everything committed before it is indexed.
 */
static void the_index_runs_beside_the_writer(void)
{
	struct store *st = fresh_store(), *other;
	struct writer *w;
	struct test_op ops[12], find = { 0 };
	int order[13];
	int64_t t0;

	account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	/* Another connection holds the index file's write lock meanwhile. */
	CHECK_EQ(store_open(&other, dir), 0);
	CHECK_EQ(db_exec(store_db(other), "BEGIN; UPDATE search.runs SET n = n + 1"), 0);
	t0 = time_mono_ms();
	say_twelve(w, ops, order);
	CHECK(time_mono_ms() - t0 < 900); /* committed and answered without the index */
	CHECK_EQ(ops[9].seq, 9);
	CHECK_EQ(db_exec(store_db(other), "COMMIT"), 0);
	store_free(other);

	search_after_twelve(w, &find, order);
	CHECK_EQ(find.rc, 0);
	CHECK_EQ(found_then, 1);
	CHECK(index_store_seen && writer_store_seen && index_store_seen != writer_store_seen);

	/* A message just before the stop: the stop indexes it (no run is due yet). */
	memset(&ops[0], 0, sizeof(ops[0]));
	ops[0].op.apply = say_apply;
	ops[0].op.done = test_done;
	ops[0].chat_id = 100;
	ops[0].done_order = order;
	ops[0].index = 12;
	writer_submit(w, &ops[0].op);
	flush_and_wait(w);
	CHECK_EQ(ops[0].rc, 0);
	CHECK_EQ(search(st, 1, "\"zebra 12\""), 0);
	writer_free(w);
	CHECK_EQ(search(st, 1, "\"zebra 12\""), 1);
	store_free(st);
}

/*
 * A run that fails (here a trigger refuses the text) is tried again by
 * itself, later, without new messages to prompt it.
 */
static void a_failed_index_run_is_tried_again(void)
{
	struct store *st = fresh_store();
	struct writer *w;
	struct test_op ops[12];
	int order[12], waited;

	account_with_chat(st, 100);
	CHECK_EQ(db_exec(store_db(st), "CREATE TRIGGER search.refuse BEFORE INSERT ON message_text "
		 "BEGIN SELECT RAISE(ABORT, 'refused'); END"), 0);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	say_twelve(w, ops, order);
	usleep(2300 * 1000); /* the oldest message's 2 s: a run, refused */
	CHECK_EQ(text_rows(st, 100), 0);
	CHECK_EQ(db_exec(store_db(st), "DROP TRIGGER search.refuse"), 0);
	for (waited = 0; waited < 5000 && text_rows(st, 100) == 0; waited += 20)
		usleep(20 * 1000);
	CHECK_EQ(text_rows(st, 100), 11);
	writer_free(w);
	store_free(st);
}

static int delete_apply(struct store *st, struct store_op *op)
{
	(void)op;
	return store_chat_delete_transcript(st, 100, 5, NULL, NULL);
}

/*
 * A transcript's deletion does not wait for the index's file either: its
 * text is taken out by the index's thread after the commit, and a search
 * after it no longer finds it.
 */
static void a_deletion_does_not_wait_for_the_index(void)
{
	struct store *st = fresh_store(), *other;
	struct writer *w;
	struct test_op ops[12], del = { 0 }, find = { 0 };
	int order[14];
	int64_t t0;

	account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	say_twelve(w, ops, order);
	search_after_twelve(w, &find, order);
	CHECK_EQ(found_then, 1);
	CHECK(text_rows(st, 100) > 0);

	CHECK_EQ(store_open(&other, dir), 0);
	CHECK_EQ(db_exec(store_db(other), "BEGIN; UPDATE search.runs SET n = n + 1"), 0);
	t0 = time_mono_ms();
	del.op.apply = delete_apply;
	del.op.done = test_done;
	del.done_order = order;
	del.index = 13;
	writer_submit(w, &del.op);
	flush_and_wait(w);
	CHECK_EQ(del.rc, 0);
	CHECK(time_mono_ms() - t0 < 900);
	CHECK_EQ(db_exec(store_db(other), "COMMIT"), 0);
	store_free(other);

	writer_submit(w, &find.op);
	flush_and_wait(w);
	CHECK_EQ(find.rc, 0);
	CHECK_EQ(found_then, 0);
	CHECK_EQ(text_rows(st, 100), 0);
	writer_free(w);
	store_free(st);
}

static void *index_all(void *arg)
{
	store_index_now(arg);
	return NULL;
}

/*
 * A transcript deleted while an index run waits for the index's file does
 * not come back into the index: the run takes that file's lock before it
 * reads any chat, so it reads the chat as deleted.
 */
static void a_deleted_transcript_stays_out_of_the_index(void)
{
	struct store *st = fresh_store(), *idx;
	struct store_event ev = { .chat_id = 100, .kind = "message", .body = "{\"text\":\"quokka\"}" };
	pthread_t t;
	int64_t account;

	account = account_with_chat(st, 100);
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(store_open(&idx, dir), 0);
	CHECK(store_index_waiting(idx));

	/* The deletion holds both files' write locks until its commit. */
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_chat_delete_transcript(st, 100, 5, NULL, NULL), 0);
	CHECK_EQ(pthread_create(&t, NULL, index_all, idx), 0);
	usleep(300 * 1000);
	CHECK_EQ(store_commit(st), 0);
	pthread_join(t, NULL);

	CHECK_EQ(text_rows(st, 100), 0);
	CHECK_EQ(search(st, account, "quokka"), 0);
	CHECK(!store_index_waiting(idx));
	store_free(idx);
	store_free(st);
}

/*
 * The search index's file is checked at start: one another copy of the
 * database left (a backup restored over this one) is built again, and the
 * text of a transcript deleted without its index (a crash between the two
 * files' commits) is taken out.
 */
static void a_search_index_that_does_not_match_is_built_again(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 100, .kind = "message", .body = "{\"text\":\"ibis\"}" };
	int64_t account;

	account = account_with_chat(st, 100);
	CHECK_EQ(add_chat(st, 101, account, 1), 0);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_index_now(st), 0);
	CHECK_EQ(store_search_verify(st), 0);   /* a match: nothing changes */
	CHECK_EQ(search(st, account, "ibis"), 1);

	/* Another copy's file: a mark past the chat's last event, words it never had (and not
	 * even in the FTS index: the file is emptied without asking FTS5 about its rows). */
	CHECK_EQ(db_exec(store_db(st), "UPDATE search.indexed SET seq = 9 WHERE chat_id = 100;"
		 "INSERT INTO search.message_text(id, chat_id, text) VALUES (1048585, 100, 'stork')"), 0);
	CHECK_EQ(store_search_verify(st), 0);
	CHECK(store_index_waiting(st));
	CHECK_EQ(store_index_now(st), 0);
	CHECK_EQ(search(st, account, "ibis"), 1);
	CHECK_EQ(search(st, account, "stork"), 0);

	/* A deleted transcript whose text stayed in the index. */
	CHECK_EQ(db_exec(store_db(st), "UPDATE chats SET deleted_at = 7 WHERE id = 101;"
		 "INSERT INTO search.message_text(id, chat_id, text) "
		 "SELECT (ord << 20) | 1, id, 'crane' FROM chats WHERE id = 101;"
		 "INSERT INTO search.message_fts(rowid, text) "
		 "SELECT id, text FROM search.message_text WHERE chat_id = 101"), 0);
	CHECK_EQ(search(st, account, "crane"), 0); /* not shown meanwhile: the chat is deleted */
	CHECK_EQ(text_rows(st, 101), 1);
	CHECK_EQ(store_search_verify(st), 0);
	CHECK_EQ(text_rows(st, 101), 0);
	CHECK_EQ(text_rows(st, 100), 1);
	store_free(st);
}

/* The chats row as the writer left it: how far its counts are tallied, and the messages counted. */
static int tallied(struct store *st, int64_t chat_id, const char *col)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT %s FROM chats WHERE id = %lld", col, (long long)chat_id);
	return schema_read_int(store_db(st), sql);
}

/*
 * A commit writes a chat's row only when its events pass a multiple of 32,
 * and when the chat ends or its transcript is deleted; what is read is
 * always whole: the row's counts and the events after them.
 */
static void counts_are_tallied_now_and_then_and_read_whole(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 100, .author = AUTHOR_GUEST, .body = "{\"text\":\"x\"}" };
	struct store_chat c;
	int64_t account;
	int i;

	account = account_with_chat(st, 100);
	CHECK_EQ(add_chat(st, 101, account, 1), 0);
	for (i = 1; i <= 70; i++) {   /* every 10th a snapshot, every 7th a notice */
		ev.kind = i % 10 == 0 ? "snapshot" : i % 7 == 0 ? "notice" : "message";
		CHECK_EQ(store_event_append(st, &ev), 0);
		CHECK_EQ(ev.seq, i);
	}
	CHECK_EQ(tallied(st, 100, "last_seq"), 64);
	CHECK_EQ(tallied(st, 100, "n_messages"), 64 - 6 - 9);
	CHECK_EQ(store_chat_get(st, 100, &c), 0);
	CHECK_EQ(c.last_seq, 70);
	CHECK_EQ(c.n_messages, 70 - 7 - 9); /* 70 is a snapshot, not a notice */
	CHECK_EQ(c.n_snapshots, 7);
	/* The index's marks are read against the whole last seq: nothing is thrown away. */
	CHECK_EQ(store_index_now(st), 0);
	CHECK_EQ(store_search_verify(st), 0);
	CHECK(!store_index_waiting(st));
	CHECK_EQ(schema_read_int(store_db(st), "SELECT seq FROM search.indexed WHERE chat_id = 100"), 70);

	/* Ended: the row is whole, with the notice that follows in the same transaction. */
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_chat_set_status(st, 100, CHAT_ENDED, 0, 5), 0);
	ev.kind = "notice";
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK_EQ(tallied(st, 100, "last_seq"), 71);
	CHECK_EQ(tallied(st, 100, "n_messages"), 54);
	CHECK_EQ(tallied(st, 100, "n_snapshots"), 7);
	/* ... and so it is outside one. */
	CHECK_EQ(add_chat(st, 102, account, 1), 0);
	ev.chat_id = 102;
	ev.kind = "message";
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_chat_set_status(st, 102, CHAT_ENDED, 0, 5), 0);
	CHECK_EQ(tallied(st, 102, "last_seq"), 1);
	CHECK_EQ(tallied(st, 102, "n_messages"), 1);

	/* A deleted transcript keeps its counts, its events gone. */
	ev.chat_id = 101;
	ev.kind = "message";
	for (i = 1; i <= 5; i++)
		CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(tallied(st, 101, "last_seq"), 0);
	CHECK_EQ(store_chat_delete_transcript(st, 101, 9, NULL, NULL), 0);
	CHECK_EQ(schema_read_int(store_db(st), "SELECT count(*) FROM events WHERE chat_id = 101"), 0);
	CHECK_EQ(store_chat_get(st, 101, &c), 0);
	CHECK_EQ(c.last_seq, 5);
	CHECK_EQ(c.n_messages, 5);
	/* ... and its next event, were there one, would not take a seq it had. */
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 6);
	store_free(st);
}

/*
 * An op alone in its batch has no savepoint of its own: when it fails, its
 * batch is rolled back whole, and the next op takes the seq it had used.
 */
static void a_failed_op_alone_leaves_nothing(void)
{
	struct store *st = fresh_store();
	struct store_chat c;
	struct writer *w;
	struct test_op ops[3];
	int order[10], i;

	account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	for (i = 0; i < 3; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].op.apply = say_apply;
		ops[i].op.done = test_done;
		ops[i].chat_id = 100;
		ops[i].done_order = order;
		ops[i].index = 6 + i; /* 7 fails */
		writer_submit(w, &ops[i].op);
		writer_flush(w);
		while (writer_busy(w)) {
			writer_drain(w);
			usleep(1000);
		}
	}
	CHECK_EQ(ops[0].rc, 0);
	CHECK_EQ(ops[0].seq, 1);
	CHECK_EQ(ops[1].rc, -EINVAL);
	CHECK_EQ(ops[2].rc, 0);
	CHECK_EQ(ops[2].seq, 2); /* the failed op's seq, taken again */
	CHECK_EQ(store_chat_get(st, 100, &c), 0);
	CHECK_EQ(c.last_seq, 2);
	CHECK_EQ(c.n_messages, 2);
	writer_free(w);
	store_free(st);
}

/* Messages committed but not indexed when the process stopped are indexed after. */
static void unindexed_messages_survive_a_restart(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 100, .kind = "message", .body = "{\"text\":\"okapi\"}" };
	int64_t account;

	account = account_with_chat(st, 100);
	CHECK_EQ(store_begin(st), 0);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_commit(st), 0);
	CHECK(store_index_waiting(st));
	store_free(st);
	CHECK_EQ(store_open(&st, dir), 0);
	CHECK(store_index_waiting(st));
	CHECK_EQ(search(st, account, "okapi"), 0);
	CHECK_EQ(store_index_now(st), 0);
	CHECK(!store_index_waiting(st));
	CHECK_EQ(search(st, account, "okapi"), 1);
	store_free(st);
	CHECK_EQ(store_open(&st, dir), 0);
	CHECK(!store_index_waiting(st));
	store_free(st);
}

/* A run indexes at most the chats it is given, taking them in turn; none is left out. */
static void index_runs_take_chats_in_turn(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .kind = "message", .body = "{\"text\":\"walrus\"}" };
	int64_t account, queue, id;

	store_account_add(st, "A", "", &account);
	store_queue_add(st, account, "q", "Q", &queue);
	for (id = 1; id <= 70; id++) {
		add_chat(st, id, account, queue);
		ev.chat_id = id;
		CHECK_EQ(store_event_append(st, &ev), 0);
	}
	CHECK_EQ(store_index_some(st, 32), 0);
	CHECK_EQ(search(st, account, "walrus"), 32);
	CHECK(store_index_waiting(st));
	CHECK_EQ(store_index_some(st, 32), 0);
	CHECK_EQ(search(st, account, "walrus"), 64);
	/* A chat already indexed gets a new message: it waits its turn behind the rest. */
	ev.chat_id = 1;
	ev.body = "{\"text\":\"narwhal\"}";
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(store_index_some(st, 6), 0);
	CHECK_EQ(search(st, account, "walrus"), 70);
	CHECK_EQ(search(st, account, "narwhal"), 0);
	CHECK_EQ(store_index_some(st, 32), 0);
	CHECK_EQ(search(st, account, "narwhal"), 1);
	CHECK(!store_index_waiting(st));
	store_free(st);
}

/*
 * A database of schema 4, whose messages the old trigger indexed, keeps
 * them searchable through the migrations: since migration 22 the index
 * lives in a file of its own, built again from the events, and new
 * messages join them.  Deleted while refdesk is stopped, that file is
 * built again.
 */
static void search_survives_the_upgrade_to_runs(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 1, .kind = "message", .body = "{\"text\":\"pelican\"}" };
	struct db *db;
	char path[128];
	int64_t account = 1;

	store_free(st);   /* only for the empty directory */
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(schema_migrate_to(db, 4), 0);
	CHECK_EQ(db_exec(db,
		"INSERT INTO accounts(id, name, origins, created_at) VALUES (1, 'A', '', 1);"
		"INSERT INTO queues(id, account_id, name, title, created_at) VALUES (1, 1, 'q', 'Q', 1);"
		"INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, status, last_seq,"
		"  created_at, ord) VALUES (1, 'c_1', x'00', 1, 1, 2, 2, 1, 1);"
		"INSERT INTO events(chat_id, seq, kind, author, body, at) VALUES"
		"  (1, 1, 'message', 1, '{\"text\":\"an albatross\"}', 1),"
		"  (1, 2, 'message', 1, '{\"text\":\"and a heron\"}', 1);"
		"INSERT INTO message_text(id, chat_id, text) VALUES (1048577, 1, 'an albatross'),"
		"  (1048578, 1, 'and a heron');"), 0);
	db_close(db);

	CHECK_EQ(store_open(&st, dir), 0);
	CHECK(store_index_waiting(st));
	CHECK_EQ(store_index_now(st), 0);
	CHECK(!store_index_waiting(st));
	CHECK_EQ(search(st, account, "albatross"), 1);
	CHECK_EQ(search(st, account, "heron"), 1);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 3);
	CHECK_EQ(store_index_now(st), 0);
	CHECK_EQ(search(st, account, "pelican"), 1);
	CHECK_EQ(search(st, account, "albatross"), 1);
	store_free(st);

	snprintf(path, sizeof(path), "%s/search.db", dir);
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(store_open(&st, dir), 0);
	CHECK(store_index_waiting(st));
	CHECK_EQ(search(st, account, "pelican"), 0);
	CHECK_EQ(store_index_now(st), 0);
	CHECK_EQ(search(st, account, "pelican"), 1);
	CHECK_EQ(search(st, account, "heron"), 1);
	store_free(st);
}

/*
 * A database of schema 5 keeps its events through the migration that keys
 * client ids per author, and its ids after it: a retry of an old message
 * is still recognised, and a second operator's message with the same cid
 * is stored.
 */
static void client_ids_survive_the_upgrade_to_per_operator(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 1, .kind = "message", .author = AUTHOR_OPERATOR,
				  .operator_id = 1, .cid = "o-1", .body = "{\"text\":\"again\"}" };
	struct db *db;
	char path[128];

	store_free(st);   /* only for the empty directory */
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(schema_migrate_to(db, 5), 0);
	CHECK_EQ(db_exec(db,
		"INSERT INTO accounts(id, name, origins, created_at) VALUES (1, 'A', '', 1);"
		"INSERT INTO queues(id, account_id, name, title, created_at) VALUES (1, 1, 'q', 'Q', 1);"
		"INSERT INTO operators(id, account_id, username, name, pwhash, created_at) VALUES"
		"  (1, 1, 'ann', 'Ann', 'x', 1), (2, 1, 'bob', 'Bob', 'x', 1);"
		"INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, status, operator_id,"
		"  last_seq, created_at, ord, indexed_seq) VALUES (1, 'c_1', x'00', 1, 1, 1, 1, 2, 1, 1, 2);"
		"INSERT INTO events(chat_id, seq, kind, author, operator_id, cid, body, at) VALUES"
		"  (1, 1, 'message', 1, NULL, 'o-1', '{\"text\":\"guest\"}', 1),"
		"  (1, 2, 'message', 2, 1, 'o-1', '{\"text\":\"ann\"}', 1);"),
		0);
	db_close(db);

	CHECK_EQ(store_open(&st, dir), 0);
	CHECK_EQ(store_event_append(st, &ev), 1); /* ann's retry */
	CHECK_EQ(ev.seq, 2);
	ev.author = AUTHOR_GUEST;
	ev.operator_id = 0;
	CHECK_EQ(store_event_append(st, &ev), 1); /* the guest's retry */
	CHECK_EQ(ev.seq, 1);
	ev.author = AUTHOR_OPERATOR;
	ev.operator_id = 2;
	CHECK_EQ(store_event_append(st, &ev), 0); /* bob's own o-1 */
	CHECK_EQ(ev.seq, 3);
	CHECK_EQ(count_cid(st, 1, "o-1"), 3);
	store_free(st);
}

/* New database files get 2 KiB pages; one made with 4 KiB pages keeps its own. */
static void new_databases_have_small_pages(void)
{
	struct store *st = fresh_store();
	struct db *db;
	char path[128];

	CHECK_EQ(schema_read_int(store_db(st), "PRAGMA main.page_size"), 2048);
	CHECK_EQ(schema_read_int(store_db(st), "PRAGMA search.page_size"), 2048);
	store_free(st);
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(db_exec(db, "PRAGMA page_size=4096; CREATE TABLE before_upgrade(x)"), 0);
	db_close(db);
	CHECK_EQ(store_open(&st, dir), 0);
	CHECK_EQ(schema_read_int(store_db(st), "PRAGMA main.page_size"), 4096);
	CHECK_EQ(schema_read_int(store_db(st), "PRAGMA search.page_size"), 2048);
	store_free(st);
}

/* Writes one event with a body of about 3 KB: more than a page of the log each. */
static int big_apply(struct store *st, struct store_op *op)
{
	struct test_op *t = container_of(op, struct test_op, op);
	static char body[3100];
	struct store_event ev = { .chat_id = t->chat_id, .kind = "notice", .body = body };

	if (!body[0]) {
		memset(body, 'x', sizeof(body) - 1);
		memcpy(body, "{\"t\":\"", 6);
		memcpy(body + sizeof(body) - 3, "\"}", 2);
	}
	return store_event_append(st, &ev) < 0 ? -EIO : 0;
}

static void count_done(struct store_op *op, int rc)
{
	(void)op;
	CHECK_EQ(rc, 0);
}

/*
 * The write-ahead log starts over while writes never stop: the writer
 * finishes each checkpoint its thread began.  60 MB go through it; without
 * that the log holds them all.
 */
static void the_log_stays_bounded_under_endless_writes(void)
{
	struct store *st = fresh_store();
	static struct test_op ops[20000];
	struct writer *w;
	char path[128];
	struct stat sb;
	int i;

	account_with_chat(st, 100);
	CHECK_EQ(writer_new(&w, dir, wake, NULL), 0);
	for (i = 0; i < 20000; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].op.apply = big_apply;
		ops[i].op.done = count_done;
		ops[i].chat_id = 100;
		writer_submit(w, &ops[i].op);
		if (i % 8 < 7)
			continue;
		/* A batch of 8 at a time, one after the other, as a busy server sends them. */
		writer_flush(w);
		while (writer_busy(w)) {
			writer_drain(w);
			usleep(50);
		}
	}
	flush_and_wait(w);
	snprintf(path, sizeof(path), "%s/refdesk.db-wal", dir);
	CHECK_EQ(stat(path, &sb), 0);
	CHECK(sb.st_size < 40 << 20);
	writer_free(w);
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-unit-%d", (int)getpid());
	RUN(names_are_unique);
	RUN(events_get_consecutive_seqs);
	RUN(same_client_id_is_stored_once);
	RUN(client_ids_are_per_operator);
	RUN(events_since_reads_in_order);
	RUN(the_first_accept_and_hand_over_win_in_the_store);
	RUN(sessions_expire);
	RUN(writer_groups_one_turn_into_one_commit);
	RUN(writer_counts_at_commit_and_indexes_later);
	RUN(a_failed_op_alone_leaves_nothing);
	RUN(counts_are_tallied_now_and_then_and_read_whole);
	RUN(unindexed_messages_survive_a_restart);
	RUN(index_runs_take_chats_in_turn);
	RUN(search_survives_the_upgrade_to_runs);
	RUN(client_ids_survive_the_upgrade_to_per_operator);
	RUN(new_databases_have_small_pages);
	RUN(the_log_stays_bounded_under_endless_writes);
	RUN(writer_applies_a_batch_chat_by_chat);
	RUN(an_event_goes_above_what_the_caller_has_seen);
	RUN(the_index_runs_beside_the_writer);
	RUN(a_deleted_transcript_stays_out_of_the_index);
	RUN(a_deletion_does_not_wait_for_the_index);
	RUN(a_failed_index_run_is_tried_again);
	RUN(a_search_index_that_does_not_match_is_built_again);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
