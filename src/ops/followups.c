/*
 * followups.c - see followups.h: questions out of hours (PROTOCOL.md
 * §2.10), their answers by mail, and Email transcript.
 *
 * A patron's question is a row in the store (store_followup_add()); the
 * answer is recorded on the same row, which becomes the mail's outbox
 * entry (status sending, next_try_at).  Once a second, and right after an
 * answer, the loop thread takes the entry due first and hands the composed
 * message to the mail thread; when mail_send() returns, the outcome is
 * written (delivered: the address erased; failed: tried again after a
 * delay that doubles, until --smtp-attempts are used, then "not
 * delivered").  Only one mail is in flight, and the next is picked only
 * after the outcome of the last is committed, so a restart finds every
 * unsent answer still in the store.  An answer is sent again only if the
 * server stops (or crashes) after the SMTP server took the mail and before
 * its outcome was written: then the restarted server tries it once more.
 *
 * Email transcript mails are built from the stored events (transcript_
 * text()) and kept in memory only, since their address is not to be
 * stored; a restart loses one still waiting for a retry.  The chat is
 * marked as mailed in the store first, which is what makes it once per chat.
 *
 * What goes into a header is checked here and again by mail_compose(): an
 * address passes mail_address_ok(), a name passes text_clean_line()
 * unchanged, and no field may hold a CR.  The question and the answer go
 * only into the body, which is base64.
 */
#include "ops/followups.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/map.h"
#include "base/rate.h"
#include "base/text.h"
#include "base/util.h"
#include "base/workq.h"
#include "chat/domain.h"
#include "mail/mail.h"
#include "net/http.h"
#include "net/server.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/chat_ops.h"
#include "ops/errors.h"
#include "ops/history.h"
#include "ops/page_lang.h"
#include "ops/routes.h"
#include "store/store.h"
#include "store/writer.h"

#define FOLLOWUP_IP_LIMIT 5              /* questions per address per FOLLOWUP_IP_PERIOD */
#define FOLLOWUP_IP_PERIOD (3600 * 1000)
#define FOLLOWUP_QUEUE_BURST 20          /* questions a queue takes at once ... */
#define FOLLOWUP_QUEUE_PER_HOUR 20       /* ... and per hour after that */
#define MAILTX_IP_LIMIT 3                /* Email transcript per address per hour */
#define MAILTX_IP_PERIOD (3600 * 1000)
#define MAILTX_WAITING_MAX 64            /* transcript mails waiting in memory */
#define MAILTX_TEXT_MAX (512 * 1024)     /* bytes of a transcript's text one mail carries */
#define FOLLOWUP_PAGE 100                /* follow-ups in one list answer */
#define MAIL_RETRY_MAX_SECS 3600         /* the backoff's ceiling */
#define ERASE_EVERY_MS (60 * 1000)
#define MAIL_TIMEOUT_SECS 30             /* one try; a stop waits for the try in flight */

struct mail_job {
	struct work work;
	struct app *app;
	int64_t followup_id;    /* 0: an Email transcript mail */
	int64_t chat_id;        /* an Email transcript mail: its chat */
	int attempts;           /* tries before this one */
	int64_t due_ms;         /* a waiting transcript mail: when to try (monotonic) */
	char to[STORE_EMAIL_BYTES];
	char *message;
	size_t len;
	int rc;
	char err[MAIL_ERROR_BYTES];
	struct mail_job *next;
};

struct followups_state {
	struct workq *mailq;     /* the mail thread */
	struct mail_config mail;
	char *password;
	bool sending;            /* a mail, or the write of its outcome, is in flight */
	bool stopping;           /* followups_stop() has begun: send nothing new */
	struct mail_job *waiting; /* transcript mails to try again, in memory */
	size_t nwaiting;
	struct map by_ip;        /* address key -> struct window * (questions) */
	struct map by_queue;     /* queue id -> struct rate * */
	struct map mail_ip;      /* address key -> struct window * (Email transcript) */
	int64_t swept_ms, erased_ms;
	int64_t hold_until_ms;   /* after a failed write of an outcome: pick nothing before this */
};

static bool mail_on(const struct app *app)
{
	return app->cfg->smtp_url != NULL;
}

/* ---- checks ------------------------------------------------------------------------- */

/*
 * A question or answer: 1-4,000 characters, not only spaces, valid UTF-8,
 * line breaks as LF only (a CR is refused, as in every field here), no
 * other control character but tab.
 */
static bool body_text_ok(const char *s)
{
	size_t n = strlen(s), i;
	bool visible = false;

	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7f)
			return false;
		if (b != ' ' && b != '\n' && b != '\t')
			visible = true;
	}
	return visible && utf8_count(s, n) <= CHAT_TEXT_MAX;
}

/* A name: one clean line of at most CHAT_NAME_MAX characters. */
static bool name_ok(const char *s)
{
	char clean[NAME_BYTES];
	size_t n = strlen(s);

	if (n >= sizeof(clean) || utf8_count(s, n) > CHAT_NAME_MAX)
		return false;
	return text_clean_line(s, clean, sizeof(clean)) == n && !memcmp(clean, s, n);
}

static bool has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static struct window *window_of(struct map *m, uint64_t key)
{
	struct window *w = map_get(m, key);

	if (!w) {
		w = xcalloc(1, sizeof(*w));
		map_put(m, key, w);
	}
	return w;
}

static void too_many(struct http_req *req, const char *message)
{
	http_header(req, "retry-after:", "600");
	http_error(req, 429, "rate_limited", message);
}

/* ---- the mail thread ---------------------------------------------------------------- */

static void job_free(struct mail_job *j)
{
	if (!j)
		return;
	explicit_bzero(j->to, sizeof(j->to));
	free(j->message);
	free(j);
}

/*
 * Mail thread.  It reads only fs->mail, which is set before the thread starts
 * and never changes; app->followups outlives the thread (followups_stop()).
 */
static void job_run(struct work *w)
{
	struct mail_job *j = (struct mail_job *)w;
	const struct followups_state *fs = j->app->followups;

	j->rc = mail_send(&fs->mail, j->to, j->message, j->len, j->err);
}

static void pick_next(struct app *app);

/* The outcome of a follow-up's try, written; the next mail may go. */
struct outcome_write {
	struct store_op op;
	struct app *app;
	int64_t id, next_try_at, at;
	bool delivered;
	char err[MAIL_ERROR_BYTES];
};

static int outcome_apply(struct store *st, struct store_op *op)
{
	struct outcome_write *o = (struct outcome_write *)op;

	if (o->delivered)
		return store_followup_delivered(st, o->id, o->at);
	return store_followup_failed(st, o->id, o->err, o->next_try_at);
}

static void outcome_done(struct store_op *op, int rc)
{
	struct outcome_write *o = (struct outcome_write *)op;
	struct app *app = o->app;

	if (rc < 0 && rc != -ENOENT)
		log_error("followups: could not record the mail of follow-up %lld",
			  (long long)o->id);
	if (app->followups) { /* gone when this runs as the app is released */
		/*
		 * Unrecorded, the row still looks due: wait before the outbox is
		 * read again, or a failing disk would resend it at once.
		 */
		if (rc < 0 && rc != -ENOENT)
			app->followups->hold_until_ms = time_mono_ms() + ERASE_EVERY_MS;
		app->followups->sending = false;
		pick_next(app);
	}
	free(o);
}

/* Seconds before try number `attempts` + 1: --smtp-retry-secs, doubled each time. */
static int64_t backoff_ms(const struct app *app, int attempts)
{
	int64_t secs = app->cfg->smtp_retry_secs;
	int i;

	for (i = 1; i < attempts && secs < MAIL_RETRY_MAX_SECS; i++)
		secs *= 2;
	return (secs < MAIL_RETRY_MAX_SECS ? secs : MAIL_RETRY_MAX_SECS) * 1000;
}

static void followup_mailed(struct app *app, struct mail_job *j)
{
	struct outcome_write *o = xcalloc(1, sizeof(*o));
	int tries = j->attempts + 1;

	o->app = app;
	o->id = j->followup_id;
	o->at = time_now_ms();
	o->delivered = j->rc == 0;
	if (j->rc < 0) {
		snprintf(o->err, sizeof(o->err), "%s", j->err);
		o->next_try_at = tries < app->cfg->smtp_attempts ? o->at + backoff_ms(app, tries) : 0;
		log_warn("followups: mail for follow-up %lld failed (try %d of %d): %s",
			 (long long)j->followup_id, tries, app->cfg->smtp_attempts, j->err);
	} else {
		log_info("followups: answer to follow-up %lld delivered", (long long)j->followup_id);
	}
	o->op.apply = outcome_apply;
	o->op.done = outcome_done;
	app_submit(app, &o->op);
}

/* Every try of a transcript mail failed: forget the chat's mark so the guest may ask again. */
struct unmark_write {
	struct store_op op;
	int64_t chat_id;
};

static int unmark_apply(struct store *st, struct store_op *op)
{
	return store_chat_unmark_mailed(st, ((struct unmark_write *)op)->chat_id);
}

static void unmark_done(struct store_op *op, int rc)
{
	if (rc < 0)
		log_error("followups: could not forget the transcript mark of chat %lld",
			  (long long)((struct unmark_write *)op)->chat_id);
	free(op);
}

static void transcript_mailed(struct app *app, struct mail_job *j)
{
	struct followups_state *fs = app->followups;
	struct unmark_write *u;

	fs->sending = false;
	if (j->rc == 0 || ++j->attempts >= app->cfg->smtp_attempts) {
		if (j->rc < 0) {
			log_warn("followups: a transcript mail was not delivered: %s", j->err);
			u = xcalloc(1, sizeof(*u));
			u->chat_id = j->chat_id;
			u->op.apply = unmark_apply;
			u->op.done = unmark_done;
			app_submit(app, &u->op);
		}
		job_free(j);
	} else {
		j->due_ms = time_mono_ms() + backoff_ms(app, j->attempts);
		j->next = fs->waiting;
		fs->waiting = j;
		fs->nwaiting++;
	}
	pick_next(app);
}

/* Loop thread: the mail thread is done with `w`. */
static void job_done(struct work *w)
{
	struct mail_job *j = (struct mail_job *)w;

	if (j->followup_id) {
		followup_mailed(j->app, j);
		job_free(j);
	} else {
		transcript_mailed(j->app, j);
	}
}

static void job_submit(struct app *app, struct mail_job *j)
{
	app->followups->sending = true;
	j->work.run = job_run;
	j->work.done = job_done;
	j->app = app;
	if (workq_submit(app->followups->mailq, &j->work) < 0) {
		/* Cannot happen with one mail at a time; tried again on the next sweep. */
		app->followups->sending = false;
		job_free(j);
	}
}

/*
 * `key` of the patron's catalogue `pl` (else `english`) into `out`, with
 * "{queue}" and "{when}" filled in.  A catalogue is the library's to edit:
 * its text is made one clean line (text_clean_line(): no control
 * characters, whole UTF-8 characters only, as a Subject must be), and any
 * other brace is left as it is.
 */
static void mail_words(char *out, size_t size, const struct page_lang *pl, const char *key,
		       const char *english, const char *queue, const char *when)
{
	const char *tmpl = page_lang_text(pl, key), *p;
	size_t n = 0;

	if (!tmpl)
		tmpl = english;
	for (p = tmpl; *p && n + 1 < size; p++) {
		const char *with = !strncmp(p, "{queue}", 7) ? queue : !strncmp(p, "{when}", 6) ? when : NULL;

		if (with) {
			n += (size_t)snprintf(out + n, size - n, "%s", with);
			n = n < size ? n : size - 1;
			p += with == queue ? 6 : 5;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	text_clean_line(out, out, size);
}

/*
 * The answer's mail: the answer, who wrote it, and the question it
 * answers; its own words in the language the question was asked in.
 * Loop thread (the catalogues are page_lang.c's).
 */
static char *compose_answer(struct app *app, const struct store_followup *f, size_t *len)
{
	struct store_operator o;
	struct store_queue q;
	char subject[STORE_NAME_BYTES + 256], when[64], asked[256], erased[512];
	time_t t = (time_t)(f->created_at / 1000);
	const char *lang = f->lang[0] ? f->lang : "en";
	const struct page_lang *pl = page_lang_get(app->srv->cfg->web_dir, &lang, 1);
	struct tm tm;
	/* A quoted line adds "> " and "\n": at most 4 bytes per byte of the question. */
	size_t size = strlen(f->answer) + strlen(f->question) * 4 + 2048;
	char *text = xmalloc(size), *p, *msg;
	const char *line;
	size_t n;

	if (store_queue_get(app->st, f->queue_id, &q) < 0)
		snprintf(q.title, sizeof(q.title), "the library");
	if (!f->operator_id || store_operator_get(app->st, f->operator_id, &o) < 0)
		snprintf(o.name, sizeof(o.name), "A librarian");
	text_clean_line(q.title, q.title, sizeof(q.title));
	text_clean_line(o.name, o.name, sizeof(o.name));
	gmtime_r(&t, &tm);
	/* Digits read the same in every language; the month's name would not. */
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	mail_words(subject, sizeof(subject), pl, "mail.answer.subject", "Answer to your question — {queue}",
		   q.title, when);
	mail_words(asked, sizeof(asked), pl, "mail.answer.asked", "You asked on {when}:", q.title, when);
	mail_words(erased, sizeof(erased), pl, "mail.answer.erased",
		   "This address was used only for this answer and is now erased from our records.",
		   q.title, when);
	n = (size_t)snprintf(text, size, "%s\n\n— %s, %s\n\n%s\n", f->answer, o.name, q.title, asked);
	p = text + n;
	/* The question quoted line by line. */
	for (line = f->question; *line;) {
		size_t k = strcspn(line, "\n");

		p += snprintf(p, size - (size_t)(p - text), "> %.*s\n", (int)k, line);
		line += k + (line[k] == '\n');
	}
	snprintf(p, size - (size_t)(p - text), "\n%s\n", erased);
	msg = mail_compose(app->cfg->smtp_from, f->email, subject, text, len);
	free(text);
	return msg;
}

/* Send what is due: a waiting transcript mail first, then the store's outbox. */
static void pick_next(struct app *app)
{
	struct followups_state *fs = app->followups;
	struct mail_job **pp, *j;
	struct store_followup *f;
	int64_t now = time_mono_ms();

	if (!fs || fs->sending || fs->stopping || !fs->mailq)
		return;
	for (pp = &fs->waiting; (j = *pp); pp = &j->next) {
		if (j->due_ms <= now) {
			*pp = j->next;
			fs->nwaiting--;
			job_submit(app, j);
			return;
		}
	}
	/* The outbox is shared by every process on the database: one sends (app_runs_duties()). */
	if (now < fs->hold_until_ms || !app_runs_duties(app))
		return;
	f = xmalloc(sizeof(*f));
	if (store_followup_due(app->st, time_now_ms(), f) == 0) {
		j = xcalloc(1, sizeof(*j));
		j->followup_id = f->id;
		j->attempts = f->attempts;
		snprintf(j->to, sizeof(j->to), "%s", f->email);
		j->message = compose_answer(app, f, &j->len);
		if (j->message) {
			job_submit(app, j);
		} else {
			/* An address the store holds but mail_compose() refuses: record it, go on. */
			j->rc = -EINVAL;
			snprintf(j->err, sizeof(j->err), "the address cannot be used");
			j->attempts = app->cfg->smtp_attempts;
			fs->sending = true;
			followup_mailed(app, j);
			job_free(j);
		}
	}
	explicit_bzero(f->email, sizeof(f->email));
	free(f);
}

/* ---- keeping it tidy -------------------------------------------------------------------- */

/* Erase the addresses of follow-ups older than --followup-keep-days. */
struct erase_write {
	struct store_op op;
	int64_t before;
	bool no_mail;
};

static int erase_apply(struct store *st, struct store_op *op)
{
	struct erase_write *e = (struct erase_write *)op;

	return store_followup_erase_old(st, e->before, e->no_mail);
}

static void erase_done(struct store_op *op, int rc)
{
	if (rc < 0 && rc != -ENOTCONN) /* a database out of reach is logged once, by the store */
		log_error("followups: could not erase old addresses");
	free(op);
}

static void forget_windows(struct map *m, int64_t now)
{
	size_t i;
	uint64_t key;
	void *v;

	for (i = 0; map_next(m, &i, &key, &v);) {
		if (now - window_last(v) > RATE_FORGET_MS) {
			map_del(m, key);
			free(v);
		}
	}
}

void followups_sweep(struct app *app)
{
	struct followups_state *fs = app->followups;
	int64_t now = time_mono_ms();

	if (!fs)
		return;
	if (now - fs->swept_ms >= RATE_SWEEP_MS) {
		size_t i;
		uint64_t key;
		void *v;

		fs->swept_ms = now;
		forget_windows(&fs->by_ip, now);
		forget_windows(&fs->mail_ip, now);
		for (i = 0; map_next(&fs->by_queue, &i, &key, &v);) {
			if (now - ((struct rate *)v)->last_ms > RATE_FORGET_MS) {
				map_del(&fs->by_queue, key);
				free(v);
			}
		}
	}
	if (app_runs_duties(app) && (!fs->erased_ms || now - fs->erased_ms >= ERASE_EVERY_MS)) {
		struct erase_write *e = xcalloc(1, sizeof(*e));

		fs->erased_ms = now;
		e->before = time_now_ms() - (int64_t)app->cfg->followup_keep_days * 86400 * 1000;
		/* Started without mail: answers left in the outbox can never go. */
		e->no_mail = !mail_on(app);
		e->op.apply = erase_apply;
		e->op.done = erase_done;
		app_submit(app, &e->op);
	}
	pick_next(app);
}

/* ---- a patron leaves a question (§2.10) ------------------------------------------------ */

static int question_apply(struct store *st, struct api_write *w)
{
	return store_followup_add(st, w->ctx);
}

static void question_added(struct api_write *w, int rc)
{
	struct store_followup *f = w->ctx;

	if (rc < 0)
		api_storage_failed(w->req, rc);
	else
		http_json(w->req, 201, json_pack("{s:b}", "ok", 1));
	explicit_bzero(f->email, sizeof(f->email));
	free(f);
}

/* Refuse a question's fields; 0 when they are fine (else answered). */
static int check_question(struct http_req *req, const char *question, const char *email,
			  const char *name)
{
	if (has_crlf(email) || (name && has_crlf(name)) || strchr(question, '\r')) {
		http_error(req, 400, "bad_request",
			   "Line breaks are allowed only inside the question.");
		return -EINVAL;
	}
	if (!mail_address_ok(email)) {
		http_error(req, 400, "bad_email",
			   "That does not look like an email address, such as name@example.org.");
		return -EINVAL;
	}
	if (name && !name_ok(name)) {
		http_error(req, 400, "bad_request", "A name is at most 80 characters on one line.");
		return -EINVAL;
	}
	if (utf8_count(question, strlen(question)) > CHAT_TEXT_MAX) {
		http_error(req, 400, "too_long", "A question is at most 4,000 characters.");
		return -E2BIG;
	}
	if (!body_text_ok(question)) {
		http_error(req, 400, "bad_request", "Please write your question.");
		return -EINVAL;
	}
	return 0;
}

/* Spend the address's and the queue's allowance; 0, or -EAGAIN once answered 429. */
static int spend_question(struct http_req *req, int64_t queue_id)
{
	struct followups_state *fs = req_app(req)->followups;
	struct window *by_ip = window_of(&fs->by_ip, req->peer_key);
	struct rate *by_queue = map_get(&fs->by_queue, (uint64_t)queue_id);
	int64_t now = time_mono_ms();

	if (!window_allows(by_ip, now, FOLLOWUP_IP_LIMIT, FOLLOWUP_IP_PERIOD)) {
		too_many(req, "You have left several questions already; please wait before "
			      "sending another.");
		return -EAGAIN;
	}
	if (!by_queue) {
		by_queue = xcalloc(1, sizeof(*by_queue));
		rate_init(by_queue, FOLLOWUP_QUEUE_BURST);
		map_put(&fs->by_queue, (uint64_t)queue_id, by_queue);
	}
	if (!rate_take(by_queue, now, FOLLOWUP_QUEUE_PER_HOUR / 3600.0, FOLLOWUP_QUEUE_BURST)) {
		too_many(req, "This chat box has taken many questions just now; please try "
			      "again later.");
		return -EAGAIN;
	}
	window_add(by_ip, now);
	return 0;
}

static void post_question(struct http_req *req, HTTP_PARAMS)
{
	const char *question, *email, *name = NULL, *lang = NULL, *pick;
	char tag[PAGE_LANG_TAG_MAX];
	const struct page_lang *pl;
	struct store_followup *f;
	struct store_queue q;
	struct api_write *w;
	json_t *body;

	if (!str_is_token(params[0], STORE_QUEUE_NAME_MAX, "-") ||
	    store_queue_by_name(req_app(req)->st, params[0], &q) < 0) {
		http_refuse(req, -ENOENT, "No such queue.");
		return;
	}
	if (!mail_on(req_app(req))) {
		http_error(req, 409, "unavailable", "This library does not take questions by email.");
		return;
	}
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s, s:s, s?s, s?s !}", "question", &question, "email", &email,
			"name", &name, "lang", &lang)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"question\": s, \"email\": s, \"name\"?: s, \"lang\"?: s}.");
		return;
	}
	if (lang && page_lang_normalise(lang, tag, sizeof(tag)) < 0) {
		json_decref(body);
		api_bad_request(req, "\"lang\" is a language tag, such as \"fr\" or \"pt-BR\".");
		return;
	}
	if (name && !*name)
		name = NULL;
	if (check_question(req, question, email, name) < 0 || spend_question(req, q.id) < 0) {
		json_decref(body);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->account_id = q.account_id;
	f->queue_id = q.id;
	snprintf(f->question, sizeof(f->question), "%s", question);
	snprintf(f->email, sizeof(f->email), "%s", email);
	snprintf(f->guest_name, sizeof(f->guest_name), "%s", name ? name : "");
	/* The answer is written in the language offered nearest to the patron's; else English. */
	pick = tag;
	pl = lang ? page_lang_get(req->srv->cfg->web_dir, &pick, 1) : NULL;
	snprintf(f->lang, sizeof(f->lang), "%s", pl ? pl->code : "en");
	json_decref(body);
	w = api_write_new(req);
	w->ctx = f;
	api_submit(w, question_apply, question_added);
}

/* ---- staff: the list and Answer ------------------------------------------------------- */

static const char *status_name(const struct store_followup *f)
{
	switch (f->status) {
	case FOLLOWUP_OPEN:
		return f->email[0] ? "open" : "expired";
	case FOLLOWUP_SENDING:
		return "sending";
	case FOLLOWUP_ANSWERED:
		return "answered";
	case FOLLOWUP_NOT_DELIVERED:
		return f->email[0] ? "not_delivered" : "expired";
	}
	return "open";
}

static json_t *opt_time(int64_t ms)
{
	return ms ? json_integer(ms) : json_null();
}

/* FOLLOWUP (PROTOCOL.md §2.10): never the address, only whether it is still held. */
static json_t *followup_json(struct app *app, const struct store_followup *f)
{
	struct store_operator o;
	struct store_queue q;
	bool has_op = f->operator_id && store_operator_get(app->st, f->operator_id, &o) == 0;

	if (store_queue_get(app->st, f->queue_id, &q) < 0)
		q.name[0] = q.title[0] = '\0';
	return json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:b, s:I, s:s?, s:o, s:o, s:o, s:i, s:s?}",
			 "id", (json_int_t)f->id, "queue", q.name, "queue_title", q.title,
			 "name", f->guest_name[0] ? f->guest_name : NULL, "question", f->question,
			 "status", status_name(f), "has_address", f->email[0] != '\0',
			 "created_at", (json_int_t)f->created_at,
			 "answer", f->answer[0] ? f->answer : NULL,
			 "answered_by", has_op ? json_pack("{s:I, s:s}", "id", (json_int_t)o.id,
							   "name", o.name) : json_null(),
			 "answered_at", opt_time(f->answered_at),
			 "delivered_at", opt_time(f->delivered_at),
			 "attempts", f->attempts,
			 "error", f->last_error[0] ? f->last_error : NULL);
}

struct list_ctx {
	struct app *app;
	json_t *list;
};

static int list_one(void *arg, const struct store_followup *f)
{
	struct list_ctx *l = arg;

	json_array_append_new(l->list, followup_json(l->app, f));
	return 0;
}

static void get_followups(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	struct list_ctx l = { req_app(req), json_array() };
	char before[24], *end;
	long long before_id = 0;
	int64_t waiting = 0;

	(void)params;
	if (http_get_arg(req, "before", before, sizeof(before)) == 0 && before[0]) {
		before_id = strtoll(before, &end, 10);
		if (*end || before_id <= 0) {
			json_decref(l.list);
			api_bad_request(req, "before wants a follow-up id.");
			return;
		}
	}
	if (store_followup_list(l.app->st, op->account_id, before_id, FOLLOWUP_PAGE, list_one,
				&l) < 0 ||
	    store_followup_count_open(l.app->st, op->account_id, &waiting) < 0) {
		json_decref(l.list);
		http_refuse(req, -EIO, NULL);
		return;
	}
	http_json(req, 200, json_pack("{s:o, s:I, s:b}", "followups", l.list,
				      "waiting", (json_int_t)waiting, "mail", mail_on(l.app)));
}

static int answer_apply(struct store *st, struct api_write *w)
{
	return store_followup_answer(st, w->id, w->o.account_id, w->o.id, w->ctx, w->expires);
}

static void answer_written(struct api_write *w, int rc)
{
	struct store_followup f;

	if (rc == -EALREADY) {
		http_error(w->req, 409, "answered", "This question has already been answered.");
	} else if (rc == -ENODATA) {
		http_error(w->req, 409, "no_address", "The patron's address has been erased, so "
			   "this question can no longer be answered by email.");
	} else if (rc < 0) {
		api_storage_failed(w->req, rc);
	} else if (store_followup_get(w->app->st, w->id, &f) < 0) {
		http_json(w->req, 200, json_object());
	} else {
		http_json(w->req, 200, json_pack("{s:o}", "followup", followup_json(w->app, &f)));
		explicit_bzero(f.email, sizeof(f.email));
	}
	free(w->ctx);
	pick_next(w->app);
}

static void post_answer(struct http_req *req, HTTP_PARAMS)
{
	const struct store_operator *op = &caller_of(req)->op;
	char *end;
	long long id = strtoll(params[0], &end, 10);
	const char *text;
	struct api_write *w;
	json_t *body;

	if (*end || id <= 0) {
		http_refuse(req, -ENOENT, "No such follow-up.");
		return;
	}
	if (!mail_on(req_app(req))) {
		http_error(req, 409, "unavailable", "No mail server is set up, so answers cannot "
			   "be sent.");
		return;
	}
	if (!(body = api_body(req)))
		return;
	if (json_unpack(body, "{s:s !}", "text", &text) || !body_text_ok(text)) {
		json_decref(body);
		api_bad_request(req, "Expected {\"text\": 1-4,000 characters}.");
		return;
	}
	w = api_write_new(req);
	w->id = id;
	w->o = *op;
	w->expires = time_now_ms(); /* the answer's time */
	w->ctx = xstrdup(text);
	json_decref(body);
	api_submit(w, answer_apply, answer_written);
}

/* ---- Email transcript ----------------------------------------------------------------- */

static int mailed_apply(struct store *st, struct api_write *w)
{
	return store_chat_mark_mailed(st, w->id, time_now_ms());
}

static void mailed_written(struct api_write *w, int rc)
{
	struct mail_job *j = w->ctx;
	struct followups_state *fs = w->app->followups;

	if (rc == -EEXIST) {
		http_error(w->req, 409, "already_sent", "This chat's transcript has already been "
			   "emailed.");
		job_free(j);
	} else if (rc < 0 || !fs) {
		api_storage_failed(w->req, rc < 0 ? rc : -EIO);
		job_free(j);
	} else {
		/* Spent only now: a refused request (already sent) leaves the allowance alone. */
		window_add(window_of(&fs->mail_ip, w->req->peer_key), time_mono_ms());
		j->due_ms = 0;
		j->next = fs->waiting;
		fs->waiting = j;
		fs->nwaiting++;
		http_json(w->req, 202, json_pack("{s:b}", "ok", 1));
		pick_next(w->app);
	}
}

static void post_email_transcript(struct http_req *req, HTTP_PARAMS)
{
	struct app *app = req_app(req);
	struct followups_state *fs = app->followups;
	enum event_author author;
	struct chat_live *chat = NULL;
	struct store_chat row;
	struct store_queue q;
	struct window *by_ip;
	struct mail_job *j;
	struct api_write *w;
	const char *email;
	char subject[STORE_NAME_BYTES + 32], *text;
	size_t len;
	json_t *body = NULL;

	chat = caller_chat(req, params[0], &author);
	/* A guest's own chat only: staff have Download transcript. */
	if (!chat || author != AUTHOR_GUEST || store_chat_get(app->st, chat->id, &row) < 0) {
		http_refuse(req, -ENOENT, "No such chat.");
		goto out;
	}
	if (!mail_on(app)) {
		http_error(req, 409, "unavailable", "This library does not send transcripts by email.");
		goto out;
	}
	/*
	 * Only a chat that is over and that a librarian answered: otherwise a
	 * guest could type any text into a waiting chat and have it mailed from
	 * the library's address to anyone.
	 */
	if (row.status != CHAT_ENDED) {
		http_error(req, 409, "not_ended", "A transcript can be emailed once the chat has ended.");
		goto out;
	}
	if (!row.accepted_at) {
		http_error(req, 409, "not_answered", "This chat was not answered by a librarian, so "
			   "there is no transcript to email.");
		goto out;
	}
	if (!(body = api_body(req)))
		goto out;
	if (json_unpack(body, "{s:s !}", "email", &email)) {
		api_bad_request(req, "Expected {\"email\": s}: the server writes the transcript itself.");
		goto out;
	}
	if (has_crlf(email) || !mail_address_ok(email)) {
		http_error(req, 400, "bad_email",
			   "That does not look like an email address, such as name@example.org.");
		goto out;
	}
	by_ip = window_of(&fs->mail_ip, req->peer_key);
	if (!window_allows(by_ip, time_mono_ms(), MAILTX_IP_LIMIT, MAILTX_IP_PERIOD) ||
	    fs->nwaiting >= MAILTX_WAITING_MAX) {
		too_many(req, "Several transcripts were emailed from here already; please wait "
			      "or use Save transcript.");
		goto out;
	}
	text = history_chat_text(app, &row, &len);
	if (!text) {
		http_refuse(req, -EIO, NULL);
		goto out;
	}
	if (len > MAILTX_TEXT_MAX) {
		/* A mail that size is unlikely to arrive, and costs the server to build. */
		free(text);
		http_error(req, 413, "too_large", "This chat is too long to send by email; "
			   "use Save transcript instead.");
		goto out;
	}
	if (store_queue_get(app->st, row.queue_id, &q) < 0)
		snprintf(q.title, sizeof(q.title), "the library");
	text_clean_line(q.title, q.title, sizeof(q.title));
	snprintf(subject, sizeof(subject), "Your chat: %s", q.title);
	j = xcalloc(1, sizeof(*j));
	snprintf(j->to, sizeof(j->to), "%s", email);
	j->message = mail_compose(app->cfg->smtp_from, email, subject, text, &j->len);
	free(text);
	if (!j->message) {
		job_free(j);
		http_refuse(req, -EIO, NULL);
		goto out;
	}
	j->chat_id = row.id;
	w = api_write_new(req);
	w->id = row.id;
	w->ctx = j;
	api_submit(w, mailed_apply, mailed_written);
out:
	json_decref(body);
	if (chat)
		chat_ops_forget(app, chat);
}

const struct http_route followups_routes[] = {
	{ HTTP_POST, "/api/queues/*/followups", ACCESS_ANYONE, NULL, post_question },
	{ HTTP_GET, "/api/followups", ACCESS_OPERATOR, NULL, get_followups },
	{ HTTP_POST, "/api/followups/*/answer", ACCESS_OPERATOR, NULL, post_answer },
	{ HTTP_POST, "/api/chats/*/email", ACCESS_ANYONE, NULL, post_email_transcript },
};
const size_t followups_nroutes = ARRAY_SIZE(followups_routes);

/* ---- life ------------------------------------------------------------------------------ */

static char *read_password(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	return n ? xstrndup(buf, n) : NULL;
}

static void wake_loop(void *arg)
{
	server_wake(arg);
}

int followups_start(struct app *app)
{
	const struct app_config *cfg = app->cfg;
	struct followups_state *fs = xcalloc(1, sizeof(*fs));

	app->followups = fs;
	if (!cfg->smtp_url)
		return 0;
	if (cfg->smtp_password_file && !(fs->password = read_password(cfg->smtp_password_file))) {
		log_error("cannot read the SMTP password from %s", cfg->smtp_password_file);
		return -EIO;
	}
	fs->mail.url = cfg->smtp_url;
	fs->mail.user = cfg->smtp_user;
	fs->mail.password = fs->password;
	fs->mail.from = cfg->smtp_from;
	fs->mail.ca_file = cfg->smtp_ca_file;
	fs->mail.timeout_secs = MAIL_TIMEOUT_SECS;
	fs->mailq = workq_new("mail", 1, 4, wake_loop, app->srv, NULL);
	log_info("followups: mail goes out through %s", cfg->smtp_url);
	return 0;
}

void followups_drain(struct app *app)
{
	if (app->followups && app->followups->mailq)
		workq_drain(app->followups->mailq);
}

void followups_stop(struct app *app)
{
	struct followups_state *fs = app->followups;
	struct map *maps[3];
	struct mail_job *j;
	size_t i, k;
	uint64_t key;
	void *v;

	if (!fs)
		return;
	fs->stopping = true;
	workq_free(fs->mailq); /* waits for the mail in flight; its outcome is written */
	while ((j = fs->waiting)) {
		fs->waiting = j->next;
		job_free(j);
	}
	maps[0] = &fs->by_ip;
	maps[1] = &fs->by_queue;
	maps[2] = &fs->mail_ip;
	for (k = 0; k < ARRAY_SIZE(maps); k++) {
		for (i = 0; map_next(maps[k], &i, &key, &v);)
			free(v);
		map_release(maps[k]);
	}
	if (fs->password) {
		explicit_bzero(fs->password, strlen(fs->password));
		free(fs->password);
	}
	free(fs);
	app->followups = NULL;
}

void followups_print_limits(FILE *out, const struct app_config *cfg)
{
	limit_print(out, "followup_question_chars", CHAT_TEXT_MAX, "chars", "a question or an answer");
	limit_print(out, "followup_ip_questions", FOLLOWUP_IP_LIMIT, "questions",
		    "questions per client address per hour");
	limit_print(out, "followup_queue_burst", FOLLOWUP_QUEUE_BURST, "questions",
		    "questions a queue takes at once, then followup_queue_per_hour");
	limit_print(out, "followup_queue_per_hour", FOLLOWUP_QUEUE_PER_HOUR, "questions",
		    "questions per queue per hour after the burst");
	limit_print(out, "email_transcript_ip", MAILTX_IP_LIMIT, "mails",
		    "Email transcript per client address per hour (and once per chat)");
	limit_print(out, "email_transcript_bytes", MAILTX_TEXT_MAX, "bytes",
		    "the text of a transcript one Email transcript carries");
	limit_print(out, "smtp_timeout_secs", MAIL_TIMEOUT_SECS, "s",
		    "one try at sending a mail (a stop waits for the one in flight)");
	limit_print(out, "smtp_attempts", cfg->smtp_attempts, "tries",
		    "a mail is tried this often, then \"not delivered\" (--smtp-attempts)");
	limit_print(out, "smtp_retry_secs", cfg->smtp_retry_secs, "s",
		    "the first retry's delay, doubled each time up to an hour (--smtp-retry-secs)");
	limit_print(out, "followup_keep_days", cfg->followup_keep_days, "days",
		    "a follow-up's address is erased after this if not answered (--followup-keep-days)");
}
