/*
 * staff_test.c - staff notes and the staff room in the store (store/staff.c):
 * notes numbered per chat apart from the chat's events, a retried client id
 * stored once (per operator), notes deleted with the transcript, the room's
 * recent messages per account and its purge by age.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "check.h"
#include "store/store.h"

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

static void add_chat(struct store *st, int64_t id, int64_t *account)
{
	struct store_chat c;
	int64_t queue;

	CHECK_EQ(store_account_add(st, "A", "", account), 0);
	CHECK_EQ(store_queue_add(st, *account, "q", "Q", &queue), 0);
	memset(&c, 0, sizeof(c));
	c.id = id;
	snprintf(c.public_id, sizeof(c.public_id), "c_%lld", (long long)id);
	c.account_id = *account;
	c.queue_id = queue;
	c.status = CHAT_ACTIVE;
	c.created_at = 1;
	CHECK_EQ(store_chat_add(st, &c), 0);
}

static int add_note(struct store *st, int64_t chat, int64_t op, const char *cid, const char *text,
		    int64_t *seq)
{
	struct store_note *n = xcalloc(1, sizeof(*n));
	int rc;

	n->chat_id = chat;
	n->operator_id = op;
	snprintf(n->name, sizeof(n->name), "Op %lld", (long long)op);
	snprintf(n->cid, sizeof(n->cid), "%s", cid);
	snprintf(n->text, sizeof(n->text), "%s", text);
	n->at = 5;
	rc = store_note_add(st, n);
	*seq = n->seq;
	free(n);
	return rc;
}

struct seen {
	int n;
	int64_t seqs[8];
	char last[64];
};

static int see_note(void *arg, const struct store_note *n)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->seqs[s->n] = n->seq;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%.63s", n->text);
	return 0;
}

static void notes_have_their_own_numbers(void)
{
	struct store *st = fresh_store();
	struct store_event ev = { .chat_id = 1, .kind = "message", .author = AUTHOR_GUEST, .body = "{}", .at = 1 };
	struct seen s = { 0 };
	int64_t account, seq;

	add_chat(st, 1, &account);
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 1);
	CHECK_EQ(add_note(st, 1, 7, "a", "first", &seq), 0);
	CHECK_EQ(seq, 1);
	CHECK_EQ(add_note(st, 1, 7, "b", "second", &seq), 0);
	CHECK_EQ(seq, 2);
	/* The same operator's id again: nothing new; another operator's: a note of its own. */
	CHECK_EQ(add_note(st, 1, 7, "a", "retry", &seq), 1);
	CHECK_EQ(seq, 1);
	CHECK_EQ(add_note(st, 1, 8, "a", "colleague", &seq), 0);
	CHECK_EQ(seq, 3);
	/* The events' sequence went on as if there were no notes. */
	ev.seq = 0;
	CHECK_EQ(store_event_append(st, &ev), 0);
	CHECK_EQ(ev.seq, 2);
	CHECK_EQ(store_notes_of_chat(st, 1, 10, see_note, &s), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(s.seqs[0], 1);
	CHECK_EQ(s.seqs[2], 3);
	CHECK(!strcmp(s.last, "colleague"));
	/* The newest `limit`, oldest first. */
	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_notes_of_chat(st, 1, 2, see_note, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.seqs[0], 2);
	/* A deleted transcript takes them along. */
	CHECK_EQ(store_chat_set_status(st, 1, CHAT_ENDED, 0, 9), 0);
	CHECK_EQ(store_chat_delete_transcript(st, 1, 10, NULL, NULL), 0);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_notes_of_chat(st, 1, 10, see_note, &s), 0);
	CHECK_EQ(s.n, 0);
	store_free(st);
}

static int see_room(void *arg, const struct store_room_message *m)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->seqs[s->n] = m->id;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%.63s", m->text);
	return 0;
}

static int64_t room_add(struct store *st, int64_t account, int64_t op, const char *cid,
			const char *text, int64_t at, int *rc)
{
	struct store_room_message *m = xcalloc(1, sizeof(*m));
	int64_t id;

	m->account_id = account;
	m->operator_id = op;
	snprintf(m->name, sizeof(m->name), "Op");
	snprintf(m->cid, sizeof(m->cid), "%s", cid);
	snprintf(m->text, sizeof(m->text), "%s", text);
	m->at = at;
	*rc = store_room_add(st, m);
	id = m->id;
	if (*rc == 1)
		CHECK(!strcmp(m->text, "one")); /* a retry reads back what was stored */
	free(m);
	return id;
}

static void room_is_per_account_and_purged_by_age(void)
{
	struct store *st = fresh_store();
	struct seen s = { 0 };
	int64_t a, b, c;
	int rc, n;

	a = room_add(st, 1, 7, "x", "one", 100, &rc);
	CHECK_EQ(rc, 0);
	b = room_add(st, 1, 7, "y", "two", 200, &rc);
	CHECK(b > a);
	CHECK_EQ(room_add(st, 1, 7, "x", "changed", 300, &rc), a);
	CHECK_EQ(rc, 1);
	c = room_add(st, 2, 9, "x", "other account", 300, &rc);
	CHECK_EQ(rc, 0);
	CHECK(c > b);
	CHECK_EQ(store_room_recent(st, 1, 0, 10, see_room, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.seqs[0], a);
	CHECK(!strcmp(s.last, "two"));
	/* `since` leaves out older ones; the purge deletes them. */
	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_room_recent(st, 1, 150, 10, see_room, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(store_room_purge(st, 250, &n), 0);
	CHECK_EQ(n, 2);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_room_recent(st, 1, 0, 10, see_room, &s), 0);
	CHECK_EQ(s.n, 0);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(store_room_recent(st, 2, 0, 10, see_room, &s), 0);
	CHECK_EQ(s.n, 1);
	store_free(st);
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/refdesk-staff-unit-%d", (int)getpid());
	RUN(notes_have_their_own_numbers);
	RUN(room_is_per_account_and_purged_by_age);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	CHECK_EXIT();
}
