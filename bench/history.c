/*
 * history.c - Chat History against a large history (figures only).
 *
 *   make bench-history            # 20,000 chats in a fresh temporary directory
 *   build/bench/history DIR [N]   # seed DIR (kept) with N chats, then measure
 *
 * Seeds an account with two queues, three operators and N chats of about
 * ten events each (messages drawn from a small vocabulary, so common words
 * match thousands of chats and rare ones a few), plus one chat of 1,000
 * events, all through store.h in 500-chat transactions, as the writer
 * would.  Then it times the list (first page, a page deep in the history,
 * each filter, common and rare search words) and reading the 1,000-event
 * transcript, median of 25 runs each, and prints EXPLAIN QUERY PLAN of
 * every list query: each must SEARCH an index, never SCAN chats.  The
 * seeded directory also serves `refdesk serve --data DIR` (operator
 * "bench", password "bench-password") for end-to-end figures.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/util.h"
#include "store/store.h"

#define RUNS 25
#define DAY_MS (24LL * 3600 * 1000)

static const char *const words[] = {
	"renew", "book", "library", "card", "article", "database", "journal", "citation", "hours",
	"printer", "password", "catalogue", "reserve", "loan", "fine", "thesis", "map", "archive",
	"newspaper", "ebook", "access", "login", "course", "reading", "list", "room", "study",
	"history", "science", "music",
};

static unsigned long rng = 88172645463325252UL;

static unsigned long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of this thread: what a query costs, whatever else the machine runs. */
static double cpu_ms(void)
{
	return clock_ms(CLOCK_THREAD_CPUTIME_ID);
}

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "history bench: %s failed (%d)\n", what, rc);
		exit(1);
	}
}

static void message(struct store *st, int64_t chat, int64_t at, int rare, enum event_author who)
{
	char body[512], text[400];
	struct store_event ev = { .chat_id = chat, .kind = "message", .author = who, .at = at };
	size_t len = 0;
	int i, n = 4 + (int)(next_rand() % 12);

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? " " : "",
					words[next_rand() % (sizeof(words) / sizeof(words[0]))]);
	if (rare)
		snprintf(text + len, sizeof(text) - len, " zeppelin%d", rare);
	snprintf(body, sizeof(body), "{\"name\":\"Pat\",\"text\":\"%s\"}", text);
	ev.body = body;
	if (who == AUTHOR_OPERATOR)
		ev.operator_id = 1;
	must(store_event_append(st, &ev), "append");
}

static void notice(struct store *st, int64_t chat, int64_t at, const char *body)
{
	struct store_event ev = { .chat_id = chat, .kind = "notice", .body = body, .at = at };

	must(store_event_append(st, &ev), "append notice");
}

/* One chat: started, joined, `n` messages, ended. */
static void seed_chat(struct store *st, int64_t id, int64_t account, int64_t queue, int64_t op,
		      int64_t at, int n, int rare)
{
	struct store_chat c = { .id = id, .account_id = account, .queue_id = queue,
				.status = CHAT_WAITING, .created_at = at };
	int i;

	snprintf(c.public_id, sizeof(c.public_id), "c_bench%012lld", (long long)id);
	snprintf(c.guest_name, sizeof(c.guest_name), "Guest %lld", (long long)(id % 997));
	must(store_chat_add(st, &c), "add chat");
	notice(st, id, at, "{\"notice\":\"started\"}");
	must(store_chat_set_status(st, id, CHAT_ACTIVE, op, at + 5000), "accept");
	notice(st, id, at + 5000, "{\"notice\":\"joined\",\"name\":\"Op\"}");
	for (i = 0; i < n; i++)
		message(st, id, at + 6000 + i * 1000, rare && i == n / 2 ? rare : 0,
			i % 2 ? AUTHOR_OPERATOR : AUTHOR_GUEST);
	must(store_chat_set_status(st, id, CHAT_ENDED, 0, at + 6000 + n * 1000), "end");
	notice(st, id, at + 6000 + n * 1000, "{\"notice\":\"ended\",\"by\":\"guest\"}");
}

struct ids {
	int64_t account, queue[2], op[3], big;
};

static void seed(struct store *st, int nchats, struct ids *ids)
{
	struct store_operator o = { 0 };
	int64_t start = time_now_ms() - (int64_t)nchats * 600000; /* one chat every 10 minutes */
	double t0 = now_ms();
	int i;

	must(store_account_add(st, "Bench Library", "", &ids->account), "account");
	must(store_queue_add(st, ids->account, "bench-a", "Bench A", &ids->queue[0]), "queue");
	must(store_queue_add(st, ids->account, "bench-b", "Bench B", &ids->queue[1]), "queue");
	o.account_id = ids->account;
	must(auth_password_hash(o.pwhash, "bench-password"), "hash");
	for (i = 0; i < 3; i++) {
		snprintf(o.username, sizeof(o.username), i ? "bench%d" : "bench", i);
		snprintf(o.name, sizeof(o.name), "Bench Operator %d", i);
		o.is_admin = i == 0;
		must(store_operator_add(st, &o, &ids->op[i]), "operator");
		must(store_member_set(st, ids->queue[0], ids->op[i], true), "member");
	}
	for (i = 0; i < nchats; i++) {
		if (i % 500 == 0)
			must(store_begin(st), "begin");
		seed_chat(st, (start + (int64_t)i * 600000) << 10, ids->account, ids->queue[i % 2],
			  ids->op[i % 3], start + (int64_t)i * 600000, 8, i % 1000 == 7 ? 1 : 0);
		if (i % 500 == 499 || i == nchats - 1) {
			must(store_commit(st), "commit");
			must(store_index_now(st), "index");   /* as the writer does between batches */
		}
	}
	/* The long one, in the middle of the history. */
	ids->big = ((start + (int64_t)(nchats / 2) * 600000 + 1) << 10);
	must(store_begin(st), "begin");
	seed_chat(st, ids->big, ids->account, ids->queue[0], ids->op[0],
		  start + (int64_t)(nchats / 2) * 600000 + 1, 997, 0);
	must(store_commit(st), "commit");
	must(store_index_now(st), "index");
	printf("seeded %d chats (+1 of 1,000 events) in %.1f s\n", nchats, (now_ms() - t0) / 1000);
}

/* ctx: {rows, last created_at, last id, page size}; stops after a page, as the server does. */
static int count_row(void *ctx, const struct store_chat *c, const char *snippet)
{
	int64_t *last = ctx;

	(void)snippet;
	last[0]++;
	last[1] = c->created_at;
	last[2] = c->id;
	return last[0] >= last[3];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void measure(struct store *st, const char *name, struct store_history_filter *f)
{
	double t[RUNS], c[RUNS];
	char plan[2048];
	int64_t got[4] = { 0, 0, 0, f->limit };
	int i;

	for (i = 0; i < RUNS; i++) {
		double t0 = now_ms(), c0 = cpu_ms();

		got[0] = 0;
		must(store_history_list(st, f, count_row, got), name);
		t[i] = now_ms() - t0;
		c[i] = cpu_ms() - c0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	qsort(c, RUNS, sizeof(c[0]), cmp_double);
	must(store_history_plan(st, f, plan, sizeof(plan)), "plan");
	printf("%-34s %3lld rows  cpu median %7.3f ms  wall median %7.3f ms  max %7.3f ms\n", name,
	       (long long)got[0], c[RUNS / 2], t[RUNS / 2], t[RUNS - 1]);
	for (char *line = strtok(plan, "\n"); line; line = strtok(NULL, "\n"))
		printf("    plan: %s\n", line);
}

static int count_event(void *ctx, const struct store_event *ev)
{
	(*(size_t *)ctx) += strlen(ev->body);
	return 0;
}

int main(int argc, char **argv)
{
	struct store_history_filter f;
	struct ids ids = { 0 };
	struct store *st;
	int64_t deep[4] = { 0, 0, 0, 100 };
	int nchats = argc > 2 ? atoi(argv[2]) : 20000;
	double t[RUNS], c[RUNS];
	size_t bytes = 0;
	int i;

	if (argc < 2 || nchats < 100) {
		fprintf(stderr, "usage: %s DIR [CHATS >= 100]\n", argv[0]);
		return 2;
	}
	must(auth_init(), "auth init");
	must(store_open(&st, argv[1]), "open");
	seed(st, nchats, &ids);

	memset(&f, 0, sizeof(f));
	f.account_id = ids.account;
	f.status = -1;
	f.limit = 26;
	measure(st, "first page, no filter", &f);
	/* Walk to the middle: the cursor of page 400. */
	f.limit = 100;
	for (i = 0; i < nchats / 200; i++) {
		deep[0] = 0;
		must(store_history_list(st, &f, count_row, deep), "walk");
		f.before_at = deep[1];
		f.before_id = deep[2];
	}
	f.limit = 26;
	measure(st, "a page half-way back (keyset)", &f);
	f.before_at = f.before_id = 0;
	f.queue_id = ids.queue[1];
	measure(st, "queue filter", &f);
	f.queue_id = 0;
	f.operator_id = ids.op[2];
	measure(st, "operator filter", &f);
	f.operator_id = 0;
	f.status = CHAT_ENDED;
	measure(st, "status filter", &f);
	f.status = -1;
	f.from = time_now_ms() - 30 * DAY_MS;
	f.to = time_now_ms() - 29 * DAY_MS;
	measure(st, "one day, 30 days ago", &f);
	f.from = f.to = 0;
	f.words = "zeppelin1";
	measure(st, "search, a rare word", &f);
	f.words = "renew";
	measure(st, "search, a common word", &f);
	f.words = "renew password";
	measure(st, "search, two common words", &f);
	f.words = "cat*";
	measure(st, "search, a prefix (cat*)", &f);
	f.words = "renew";
	f.queue_id = ids.queue[0];
	f.status = CHAT_ENDED;
	measure(st, "search + queue + status", &f);

	for (i = 0; i < RUNS; i++) {
		double t0 = now_ms(), c0 = cpu_ms();

		bytes = 0;
		must(store_events_since(st, ids.big, 0, 20000, count_event, &bytes), "events");
		t[i] = now_ms() - t0;
		c[i] = cpu_ms() - c0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	qsort(c, RUNS, sizeof(c[0]), cmp_double);
	printf("%-34s %zu bytes  cpu median %7.3f ms  wall median %7.3f ms  max %7.3f ms\n",
	       "read a 1,000-event transcript", bytes, c[RUNS / 2], t[RUNS / 2], t[RUNS - 1]);
	printf("the long chat: c_bench%012lld\n", (long long)ids.big);
	store_free(st);
	return 0;
}
