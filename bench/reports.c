/*
 * reports.c - Reports over a large history (figures only; not a timed test).
 *
 *   make bench-reports            # 1,000,000 chats in a fresh temporary directory
 *   build/bench/reports DIR [N]   # seed DIR (kept) with N chats, then measure
 *
 * Seeds one library with 8 queues, 40 operators and N chats spread over the
 * last two years (more in opening hours and on weekdays), through store.h in
 * 2,000-chat transactions, exactly as the writer keeps the report tables:
 * about 80 % answered after a wait of seconds to minutes and ended after
 * minutes, 12 % missed, 8 % abandoned; some with snapshots each way and
 * screensharing steps, and a fifth of the answered ones with survey answers.  A second, small library shares the tables.  Then
 * it reads each report the page offers (whole account, a queue, an
 * operator; two years, a month, a week), first run and median of 15, and
 * checks that the two-year account report counts every chat.  Each must
 * stay under 200 ms.  Figures are printed; nothing here fails on time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/util.h"
#include "store/store.h"

#define RUNS 15
#define DAY_MS (24LL * 3600 * 1000)
#define QUEUES 8
#define OPERATORS 40
#define BATCH 2000

static unsigned long rng = 88172645463325252UL;

static unsigned long next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "reports bench: %s failed (%d)\n", what, rc);
		exit(1);
	}
}

static void event(struct store *st, int64_t chat, const char *kind, enum event_author who,
		  int64_t op, const char *body, int64_t at)
{
	struct store_event ev = { .chat_id = chat, .kind = kind, .author = who,
				  .operator_id = who == AUTHOR_OPERATOR ? op : 0, .body = body, .at = at };

	must(store_event_append(st, &ev), kind);
}

struct ids {
	int64_t account, other, other_queue, queue[QUEUES], op[OPERATORS];
};

/* A start time in the last two years, weighted to a library's opening hours. */
static int64_t start_time(int64_t now)
{
	int64_t t;
	int hour;

	for (;;) {
		t = now - 1 - (int64_t)(next_rand() % (730ULL * DAY_MS));
		hour = (int)(t / 3600000 % 24);
		/* Always keep a daytime chat; keep others one time in six. */
		if ((hour >= 8 && hour < 22) || next_rand() % 6 == 0)
			return t;
	}
}

static void seed_chat(struct store *st, const struct ids *ids, int64_t id, int64_t now)
{
	struct store_chat c = { .id = id, .account_id = ids->account, .status = CHAT_WAITING };
	unsigned long r = next_rand() % 100;
	int64_t op = ids->op[next_rand() % OPERATORS], at, wait, len;

	c.queue_id = ids->queue[next_rand() % QUEUES];
	c.created_at = at = start_time(now);
	snprintf(c.public_id, sizeof(c.public_id), "c_rep%012lld", (long long)id);
	must(store_chat_add(st, &c), "add chat");
	event(st, id, "notice", AUTHOR_SYSTEM, 0, "{\"notice\":\"started\"}", at);
	if (next_rand() % 10 == 0)
		event(st, id, "snapshot", AUTHOR_GUEST, 0, "{}", at + 1000);
	if (r >= 80) {
		wait = 5000 + (int64_t)(next_rand() % 900000);
		must(store_chat_set_status(st, id, CHAT_ENDED, 0, at + wait), "end");
		event(st, id, "notice", AUTHOR_SYSTEM, 0, r >= 92 ? "{\"notice\":\"ended\",\"by\":\"guest\"}" :
		      "{\"notice\":\"ended\",\"by\":\"system\"}", at + wait);
		return;
	}
	/* Most waits are short, a few long. */
	wait = next_rand() % 4 ? 1000 + (int64_t)(next_rand() % 60000) :
				 (int64_t)(next_rand() % 1200000);
	len = 60000 + (int64_t)(next_rand() % 3600000);
	must(store_chat_set_status(st, id, CHAT_ACTIVE, op, at + wait), "accept");
	event(st, id, "notice", AUTHOR_SYSTEM, 0, "{\"notice\":\"joined\",\"name\":\"Op\"}", at + wait);
	if (next_rand() % 8 == 0)
		event(st, id, "snapshot", AUTHOR_OPERATOR, op, "{}", at + wait + 1000);
	if (next_rand() % 25 == 0) {
		static const char *const answers[] = { "accepted", "declined", "blocked" };
		char body[64];

		event(st, id, "share", AUTHOR_OPERATOR, op, "{\"step\":\"invited\",\"share\":1}",
		      at + wait + 2000);
		snprintf(body, sizeof(body), "{\"step\":\"%s\",\"share\":1}", answers[next_rand() % 3]);
		event(st, id, "share", AUTHOR_GUEST, 0, body, at + wait + 3000);
	}
	must(store_chat_set_status(st, id, CHAT_ENDED, 0, at + wait + len), "end");
	event(st, id, "notice", AUTHOR_SYSTEM, 0, "{\"notice\":\"ended\",\"by\":\"operator\"}",
	      at + wait + len);
	/* About one answered chat in five has its survey answered. */
	if (next_rand() % 5 == 0) {
		struct store_survey_answer a[3] = {
			{ .pos = 0, .kind = "rating", .question = "How helpful was this chat?",
			  .value = 1 + (int)(next_rand() % 5) },
			{ .pos = 1, .kind = "yes_no", .question = "Did you find it?",
			  .value = (int)(next_rand() % 2) },
			{ .pos = 2, .kind = "comment", .question = "Anything else?",
			  .comment = "Thank you." },
		};

		must(store_survey_answers_add(st, id, a, next_rand() % 2 ? 3 : 2, at + wait + len),
		     "survey");
	}
}

static void seed(struct store *st, int nchats, struct ids *ids)
{
	struct store_operator o = { 0 };
	int64_t now = time_now_ms();
	double t0 = now_ms();
	char name[40];
	int i;

	must(store_account_add(st, "Bench Library", "", &ids->account), "account");
	must(store_account_add(st, "Other Library", "", &ids->other), "account");
	must(store_queue_add(st, ids->other, "other", "Other", &ids->other_queue), "queue");
	for (i = 0; i < QUEUES; i++) {
		snprintf(name, sizeof(name), "bench-%d", i);
		must(store_queue_add(st, ids->account, name, name, &ids->queue[i]), "queue");
	}
	o.account_id = ids->account;
	snprintf(o.pwhash, sizeof(o.pwhash), "-");
	for (i = 0; i < OPERATORS; i++) {
		snprintf(o.username, sizeof(o.username), "bench%d", i);
		snprintf(o.name, sizeof(o.name), "Bench Operator %d", i);
		must(store_operator_add(st, &o, &ids->op[i]), "operator");
	}
	for (i = 0; i < nchats; i++) {
		if (i % BATCH == 0)
			must(store_begin(st), "begin");
		seed_chat(st, ids, i + 1, now);
		if (i % BATCH == BATCH - 1 || i == nchats - 1)
			must(store_commit(st), "commit");
		if (i % 100000 == 99999)
			fprintf(stderr, "  %d chats, %.0f s\n", i + 1, (now_ms() - t0) / 1000);
	}
	/* The other library's chats share the tables, not the figures. */
	must(store_begin(st), "begin");
	for (i = 0; i < 1000; i++) {
		struct store_chat c = { .id = nchats + 1 + i, .account_id = ids->other,
					.queue_id = ids->other_queue, .created_at = start_time(now) };

		snprintf(c.public_id, sizeof(c.public_id), "c_oth%012d", i);
		must(store_chat_add(st, &c), "add chat");
	}
	must(store_commit(st), "commit");
	printf("seeded %d chats in %.1f s (%.0f chats/s, as the writer keeps the report tables)\n",
	       nchats, (now_ms() - t0) / 1000, nchats / ((now_ms() - t0) / 1000));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int64_t measure(struct store *st, const char *name, const struct store_report_filter *f)
{
	struct store_report r;
	double t[RUNS], first = 0;
	int i;

	for (i = 0; i < RUNS; i++) {
		double t0 = now_ms();

		must(store_report_read(st, f, &r), name);
		t[i] = now_ms() - t0;
		if (!i)
			first = t[i];
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("%-36s %8lld chats  first %7.2f ms  median %7.2f ms  max %7.2f ms  %s\n", name,
	       (long long)r.counter[STORE_REPORT_CHATS], first, t[RUNS / 2], t[RUNS - 1],
	       t[RUNS - 1] < 200 ? "ok" : "OVER 200 ms");
	return r.counter[STORE_REPORT_CHATS];
}

int main(int argc, char **argv)
{
	struct store_report_filter f;
	struct ids ids = { 0 };
	struct store *st;
	struct stat sb;
	char path[4096];
	int64_t today, total;
	int nchats = argc > 2 ? atoi(argv[2]) : 1000000, hour;

	if (argc < 2 || nchats < 100) {
		fprintf(stderr, "usage: %s DIR [CHATS >= 100]\n", argv[0]);
		return 2;
	}
	must(store_open(&st, argv[1]), "open");
	seed(st, nchats, &ids);
	snprintf(path, sizeof(path), "%s/refdesk.db", argv[1]);
	if (stat(path, &sb) == 0)
		printf("database: %.0f MB\n", sb.st_size / 1e6);
	store_free(st);
	/* Measure on a fresh connection, as the server's loop thread reads. */
	must(store_open(&st, argv[1]), "reopen");

	store_report_local(time_now_ms(), &today, &hour);
	memset(&f, 0, sizeof(f));
	f.account_id = ids.account;
	f.from_day = today - 730;
	f.to_day = today;
	total = measure(st, "account, two years", &f);
	if (total != nchats) {
		fprintf(stderr, "reports bench: the two-year report counts %lld chats, not %d\n",
			(long long)total, nchats);
		return 1;
	}
	f.queue_id = ids.queue[3];
	measure(st, "one queue, two years", &f);
	f.queue_id = 0;
	f.operator_id = ids.op[7];
	measure(st, "one operator, two years", &f);
	f.operator_id = 0;
	f.from_day = today - 29;
	measure(st, "account, 30 days", &f);
	f.queue_id = ids.queue[3];
	measure(st, "one queue, 30 days", &f);
	f.queue_id = 0;
	f.from_day = today - 6;
	measure(st, "account, 7 days", &f);
	f.from_day = today - 365;
	f.to_day = today - 365;
	measure(st, "account, one day a year ago", &f);
	store_free(st);
	return 0;
}
