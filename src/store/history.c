/*
 * history.c - Chat History queries (store.h): the filtered, searched list of
 * an account's chats, and deleting a transcript.
 *
 * How it works: the list's SQL is put together from fixed fragments, one
 * per filter that is set, and every value is bound, never pasted in.  Each
 * filter has an index that ends in created_at (schema.c, migration 3), so
 * SQLite walks one index backwards from the keyset cursor and stops after
 * `limit` rows: a page costs the same on the first day and after a million
 * chats.  Search words become FTS5 terms, each quoted (so nothing a person
 * types is read as FTS5 syntax).  The first word's matches stream from the
 * full-text index newest chat first (a message's rowid starts with its
 * chat's creation order), each chat checked for the other words with one
 * seek per word, until the page is full: a common word costs a page, a rare
 * one its few matches.  A listed chat's snippet is one FTS5 lookup of its
 * newest matching message by rowid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "store/sqlite_only.h"
#include "store/store_int.h"

#define SQL_MAX 4096
#define TERMS_MAX 16
#define TERM_MAX (STORE_SEARCH_MAX * 2 + 8)
#define MATCH_MAX (STORE_SEARCH_MAX * 2 + TERMS_MAX * 8)

/*
 * Search words as FTS5 terms: each word quoted (a quote inside doubled), so
 * nothing typed is read as FTS5 syntax; a word that ends in '*' matches as
 * a prefix ("libr*" finds "library").  A chat matches when every word is in
 * one of its messages; `any` (the terms joined by OR) finds the message to
 * quote.  Prefixes cost more (FTS5 merges every matching word's list), so
 * they are only used when asked for.
 */
struct terms {
	char t[TERMS_MAX][TERM_MAX];
	char word[TERMS_MAX][TERM_MAX]; /* as typed, without a prefix's '*' (PostgreSQL's) */
	bool prefix[TERMS_MAX];
	int n;
	char any[MATCH_MAX];
};

static void match_terms(const char *words, struct terms *m)
{
	const char *p = words;

	m->n = 0;
	m->any[0] = '\0';
	while (*p && m->n < TERMS_MAX) {
		size_t n, len = 0, i, any_len, prefix;
		char *t = m->t[m->n];

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (!n)
			break;
		prefix = n > 1 && p[n - 1] == '*';
		m->prefix[m->n] = prefix;
		snprintf(m->word[m->n], TERM_MAX, "%.*s", (int)(n - prefix), p);
		t[len++] = '"';
		for (i = 0; i < n - prefix && len + 4 < TERM_MAX; i++) {
			if (p[i] == '"')
				t[len++] = '"';
			t[len++] = p[i];
		}
		t[len++] = '"';
		if (prefix)
			t[len++] = '*';
		t[len] = '\0';
		p += n;
		any_len = strlen(m->any);
		if (any_len + len + 5 >= MATCH_MAX)
			break;
		snprintf(m->any + any_len, MATCH_MAX - any_len, "%s%s", m->n ? " OR " : "", t);
		m->n++;
	}
}

/* Append a fragment; the caller's buffer is sized for every fragment at once. */
static void cat(char *sql, const char *frag)
{
	strncat(sql, frag, SQL_MAX - strlen(sql) - 1);
}

/*
 * The filters as SQL conditions after "WHERE", the one with an index of
 * its own first.  Parameters, by number (P_* below): the account ?1,
 * queue ?2, operator ?3, from ?4, to ?5, status ?6, and the cursor ?7, ?8.
 */
static void where_sql(const struct store_history_filter *f, char *sql)
{
	if (f->queue_id)
		cat(sql, " queue_id = ?2 AND account_id = ?1");
	else if (f->operator_id)
		cat(sql, " operator_id = ?3 AND account_id = ?1");
	else if (f->status >= 0)
		cat(sql, " account_id = ?1 AND status = ?6");
	else
		cat(sql, " account_id = ?1");
	if (f->queue_id && f->operator_id)
		cat(sql, " AND operator_id = ?3");
	if ((f->queue_id || f->operator_id) && f->status >= 0)
		cat(sql, " AND status = ?6");
	if (f->from)
		cat(sql, " AND created_at >= ?4");
	if (f->to)
		cat(sql, " AND created_at < ?5");
	if (f->before_at)
		cat(sql, " AND (created_at, chats.id) < (?7, ?8)");
}

/*
 * Without search words: one index walked backwards from the cursor.  With
 * them: the first word's matches, newest chat first (the FTS5 rowid leads
 * with the chat's creation order, ORDER BY rowid DESC streams), each
 * joined to its chat and filtered; the caller stops after its page.
 * (MATCH, like snippet() below, is SQLite's FTS5: sqlite_only.h.)
 */
static void list_sql(const struct store_history_filter *f, bool search, char *sql)
{
	if (search)
		cat(sql, "SELECT " STORE_CHAT_COLS ", message_fts.rowid FROM message_fts "
			 "CROSS JOIN chats ON chats.ord = message_fts.rowid >> 20 "
			 "WHERE message_fts MATCH ?10 AND message_fts.rowid < ?11 AND "
			 "chats.deleted_at IS NULL AND");
	else
		cat(sql, "SELECT " STORE_CHAT_COLS ", 0 FROM chats WHERE");
	where_sql(f, sql);
	cat(sql, search ? " ORDER BY message_fts.rowid DESC"
			: " ORDER BY created_at DESC, chats.id DESC LIMIT ?9");
}

/*
 * The list's parameters, numbered once for every shape of its SQL: a
 * number the SQL does not use is bound all the same, and nothing reads it.
 * On PostgreSQL each search word i is ?(P_WORDS + 2i), whether it is a
 * prefix ?(P_WORDS + 2i + 1).
 */
enum { P_ACCT = 1, P_QUEUE, P_OP, P_FROM, P_TO, P_STATUS, P_BAT, P_BID, P_LIM, P_T0, P_TOP,
       P_WORDS };

/*
 * PostgreSQL's search: the words are in message_text's tsvector column
 * (schema_pg.c): the first word's matches, from the GIN index, name the
 * chats, filtered as the list without words is and probed for each other
 * word; a chat is listed when each word is in one of its messages.  search_query() reads a word as a
 * phrase of its letters (or a prefix), so nothing typed is query syntax.
 */
static void list_sql_pg(const struct store_history_filter *f, int nwords, char *sql)
{
	char frag[256];
	int i;

	cat(sql, "SELECT " STORE_CHAT_COLS ", 0 FROM chats WHERE");
	where_sql(f, sql);
	/* The first word's messages from the GIN index name the chats; each other word is a probe. */
	for (i = 0; i < nwords; i++) {
		if (i == 0)
			snprintf(frag, sizeof(frag), " AND chats.ord IN (SELECT t.id >> %d FROM "
				 "message_text t WHERE t.words @@ search_query(?%d, ?%d))",
				 STORE_SEARCH_SHIFT, P_WORDS, P_WORDS + 1);
		else
			snprintf(frag, sizeof(frag), " AND EXISTS (SELECT 1 FROM message_text t WHERE "
				 "t.id >= chats.ord << %d AND t.id < (chats.ord + 1) << %d AND "
				 "t.words @@ search_query(?%d, ?%d))", STORE_SEARCH_SHIFT,
				 STORE_SEARCH_SHIFT, P_WORDS + 2 * i, P_WORDS + 2 * i + 1);
		cat(sql, frag);
	}
	cat(sql, " ORDER BY created_at DESC, chats.id DESC LIMIT ?9");
}

/* The first search rowid past the cursor's chat (all of them without one). */
static int64_t search_top(struct store *st, const struct store_history_filter *f)
{
	struct db_stmt *s;
	int64_t top = INT64_MAX;

	if (!f->before_id)
		return top;
	if (db_prepare(store_db(st), "SELECT ord FROM chats WHERE id = ?1", &s) < 0)
		return top;
	db_bind_int64(s, 1, f->before_id);
	if (db_step(s) == DB_ROW)
		top = db_column_int64(s, 0) << STORE_SEARCH_SHIFT;
	db_finalize(s);
	return top;
}

/* Prepare the list query; `m` (the caller's) must outlive the statement. */
static int prepare_list(struct store *st, const struct store_history_filter *f, const char *prefix,
			struct db_stmt **out, struct terms *m)
{
	char sql[SQL_MAX + 32];
	struct db_stmt *s;

	m->n = 0;
	m->any[0] = '\0';
	if (f->words)
		match_terms(f->words, m);
	snprintf(sql, sizeof(sql), "%s", prefix);
	if (db_dialect(store_db(st)) == DB_POSTGRES)
		list_sql_pg(f, m->n, sql + strlen(sql));
	else
		list_sql(f, m->n > 0, sql + strlen(sql));
	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "prepare history");
	db_bind_int64(s, P_ACCT, f->account_id);
	db_bind_int64(s, P_QUEUE, f->queue_id);
	db_bind_int64(s, P_OP, f->operator_id);
	db_bind_int64(s, P_FROM, f->from);
	db_bind_int64(s, P_TO, f->to);
	db_bind_int64(s, P_STATUS, f->status);
	db_bind_int64(s, P_BAT, f->before_at);
	db_bind_int64(s, P_BID, f->before_id);
	db_bind_int64(s, P_LIM, f->limit < 1 || f->limit > 101 ? 25 : f->limit);
	if (m->n > 0 && db_dialect(store_db(st)) == DB_POSTGRES) {
		int i;

		for (i = 0; i < m->n; i++) {
			db_bind_text(s, P_WORDS + 2 * i, m->word[i]);
			db_bind_int(s, P_WORDS + 2 * i + 1, m->prefix[i]);
		}
	} else if (m->n > 0) {
		db_bind_text(s, P_T0, m->t[0]);
		db_bind_int64(s, P_TOP, search_top(st, f));
	}
	*out = s;
	return 0;
}

/* The text around the first match in message `tid`, marked; "" if none. */
static void snippet_of(struct db_stmt *s, const char *match, int64_t tid, char *out, size_t size)
{
	out[0] = '\0';
	db_reset(s);
	db_bind_text(s, 1, match);
	db_bind_int64(s, 2, tid);
	if (db_step(s) == DB_ROW)
		store_copy_text(out, size, s, 0);
	db_reset(s);
}

/* Does chat `ord` have term `t` in any message?  One seek in the index. */
static bool chat_has(struct db_stmt *probe, const char *t, int64_t ord)
{
	bool yes;

	db_reset(probe);
	db_bind_text(probe, 1, t);
	db_bind_int64(probe, 2, ord << STORE_SEARCH_SHIFT);
	db_bind_int64(probe, 3, ((ord + 1) << STORE_SEARCH_SHIFT) - 1);
	yes = db_step(probe) == DB_ROW;
	db_reset(probe);
	return yes;
}

/* A search row is a new chat that has every word (the first one it has). */
static bool search_hit(struct db_stmt *probe, const struct terms *m, int64_t tid, int64_t *last_ord)
{
	int64_t ord = tid >> STORE_SEARCH_SHIFT;
	int i;

	if (ord == *last_ord)
		return false;
	*last_ord = ord;
	for (i = 1; i < m->n; i++)
		if (!chat_has(probe, m->t[i], ord))
			return false;
	return true;
}

/*
 * PostgreSQL's quote of chat `chat_id`: its newest message with any of the
 * words, cut around the first match by ts_headline() and marked as
 * snippet() marks (char 1 and 2), with "…" where text was cut off.  Every
 * '<' stands in for a private-use character meanwhile: ts_headline() would
 * drop what looks like markup, and the quote must be the text as written.
 */
static int prepare_snippet_pg(struct store *st, const struct terms *m, struct db_stmt **out)
{
	char sql[SQL_MAX], any[1024], frag[64];
	int i;

	any[0] = '\0';
	for (i = 0; i < m->n; i++) {
		snprintf(frag, sizeof(frag), "%ssearch_query(?%d, ?%d)", i ? " || " : "", 3 + 2 * i,
			 4 + 2 * i);
		strncat(any, frag, sizeof(any) - strlen(any) - 1);
	}
	snprintf(sql, sizeof(sql), "WITH q AS (SELECT %s AS q) "
		 "SELECT replace(ts_headline('public.refdesk_search', replace(t.text, '<', chr(57344)), "
		 "q.q, ?1), chr(57344), '<'), t.text "
		 "FROM q, chats c JOIN message_text t ON t.id >= c.ord << %d "
		 "AND t.id < (c.ord + 1) << %d WHERE c.id = ?2 AND t.words @@ q.q "
		 "ORDER BY t.id DESC LIMIT 1", any, STORE_SEARCH_SHIFT, STORE_SEARCH_SHIFT);
	return db_prepare(store_db(st), sql, out);
}

static void snippet_pg(struct db_stmt *s, const struct terms *m, int64_t chat_id, char *out,
		       size_t size)
{
	const char *h, *text, *at;
	char plain[STORE_SNIPPET_BYTES];
	bool head, tail;
	size_t i, n = 0;
	int k;

	out[0] = '\0';
	db_reset(s);
	db_bind_text(s, 1, "StartSel=\"\001\", StopSel=\"\002\", MaxFragments=1, MaxWords=16, "
			   "MinWords=6, FragmentDelimiter=\" \"");
	db_bind_int64(s, 2, chat_id);
	for (k = 0; k < m->n; k++) {
		db_bind_text(s, 3 + 2 * k, m->word[k]);
		db_bind_int(s, 4 + 2 * k, m->prefix[k]);
	}
	if (db_step(s) == DB_ROW && (h = db_column_text(s, 0)) && (text = db_column_text(s, 1))) {
		for (i = 0; h[i] && n + 1 < sizeof(plain); i++)
			if (h[i] != '\001' && h[i] != '\002')
				plain[n++] = h[i];
		plain[n] = '\0';
		at = strstr(text, plain);
		head = at == text;
		tail = at && !at[n];

		snprintf(out, size, "%s%s%s", head ? "" : "…", h, tail ? "" : "…");
	}
	db_reset(s);
}

/* Step the list, quoting each row's newest match; search rows are deduplicated. */
static int list_rows(struct store *st, struct db_stmt *s, const struct terms *m,
		     int (*cb)(void *ctx, const struct store_chat *c, const char *snippet), void *ctx)
{
	char snippet[STORE_SNIPPET_BYTES];
	struct db_stmt *probe = NULL, *snip = NULL;
	bool pg = db_dialect(store_db(st)) == DB_POSTGRES;
	struct store_chat c;
	int64_t last_ord = -1;
	int rc;

	if (m->n && pg && prepare_snippet_pg(st, m, &snip) < 0)
		return store_fail(st, "prepare search");
	if (m->n && !pg && (db_prepare(store_db(st), "SELECT 1 FROM message_fts WHERE "
				       "message_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3 LIMIT 1",
				       &probe) < 0 ||
			    db_prepare(store_db(st), "SELECT snippet(message_fts, 0, char(1), char(2), "
				       "'…', 16) FROM message_fts WHERE message_fts MATCH ?1 AND rowid = "
				       "?2", &snip) < 0)) {
		rc = store_fail(st, "prepare search");
		db_finalize(probe);
		return rc;
	}
	while ((rc = db_step(s)) == DB_ROW) {
		int64_t tid = db_column_int64(s, 16);

		if (m->n && !pg && !search_hit(probe, m, tid, &last_ord))
			continue;
		store_read_chat(s, &c);
		if (m->n && pg)
			snippet_pg(snip, m, c.id, snippet, sizeof(snippet));
		else if (m->n)
			snippet_of(snip, m->any, tid, snippet, sizeof(snippet));
		else
			snippet[0] = '\0';
		if ((rc = cb(ctx, &c, snippet)) != 0)
			break;
	}
	db_finalize(probe);
	db_finalize(snip);
	if (rc == DB_DONE)
		return 0;
	return rc == DB_ROW ? 0 : rc > 0 ? rc : store_fail(st, "list history");
}

int store_history_list(struct store *st, const struct store_history_filter *f,
		       int (*cb)(void *ctx, const struct store_chat *c, const char *snippet),
		       void *ctx)
{
	struct terms *m = xmalloc(sizeof(*m));
	struct db_stmt *s;
	int rc;

	rc = prepare_list(st, f, "", &s, m);
	if (!rc) {
		rc = list_rows(st, s, m, cb, ctx);
		db_finalize(s);
	}
	free(m);
	return rc;
}

int store_history_plan(struct store *st, const struct store_history_filter *f, char *out,
		       size_t size)
{
	struct terms *m = xmalloc(sizeof(*m));
	struct db_stmt *s;
	size_t len = 0;
	int rc;

	out[0] = '\0';
	rc = prepare_list(st, f, "EXPLAIN QUERY PLAN ", &s, m);
	if (rc < 0) {
		free(m);
		return rc;
	}
	while (db_step(s) == DB_ROW && len + 2 < size) {
		const char *d = db_column_text(s, 3);
		int n = snprintf(out + len, size - len, "%s\n", d ? d : "");

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	db_finalize(s);
	free(m);
	return 0;
}

/* ---- deleting a transcript ------------------------------------------------ */

/* Run one statement of `sql` with ?1 = chat_id. */
static int run_chat(struct store *st, const char *sql, int64_t chat_id, const char *what)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, what);
	db_bind_int64(s, 1, chat_id);
	rc = db_step(s);
	rc = rc == DB_DONE || rc == DB_ROW ? 0 : store_fail(st, what);
	db_finalize(s);
	return rc;
}

struct hashes {
	char (*v)[65];
	size_t n, cap;
};

/* The blobs only this chat needs (no other chat, no canned snapshot). */
static int only_ours(struct store *st, int64_t chat_id, struct hashes *h)
{
	static const char sql[] =
		"SELECT hash FROM chat_blobs c WHERE chat_id = ?1 AND NOT EXISTS "
		"(SELECT 1 FROM chat_blobs o WHERE o.hash = c.hash AND o.chat_id <> ?1) AND "
		"NOT EXISTS (SELECT 1 FROM canned_blobs k WHERE k.hash = c.hash)";
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), sql, &s) < 0)
		return store_fail(st, "find blobs");
	db_bind_int64(s, 1, chat_id);
	while ((rc = db_step(s)) == DB_ROW) {
		if (h->n == h->cap) {
			h->cap = grow_cap(h->cap, h->n + 1);
			h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
		}
		store_copy_text(h->v[h->n++], sizeof(h->v[0]), s, 0);
	}
	rc = rc == DB_DONE ? 0 : store_fail(st, "find blobs");
	db_finalize(s);
	return rc;
}

static int drop_blob(struct store *st, const char *hash)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "DELETE FROM blobs WHERE hash = ?1 AND NOT EXISTS "
		       "(SELECT 1 FROM chat_blobs WHERE hash = ?1) AND NOT EXISTS "
		       "(SELECT 1 FROM canned_blobs WHERE hash = ?1)", &s) < 0)
		return store_fail(st, "delete blob");
	db_bind_text(s, 1, hash);
	rc = db_step(s) == DB_DONE ? 0 : store_fail(st, "delete blob");
	db_finalize(s);
	return rc;
}

int store_chat_delete_transcript(struct store *st, int64_t chat_id, int64_t at,
				 int (*orphan)(void *ctx, const char *hash), void *ctx)
{
	static const char *const steps[][2] = {
		{ "DELETE FROM message_text WHERE id BETWEEN (SELECT ord << 20 FROM chats WHERE id = ?1) "
		  "AND (SELECT ((ord + 1) << 20) - 1 FROM chats WHERE id = ?1)", "delete search text" },
		/* The counts kept whole first: history still names a deleted transcript's. */
		{ "UPDATE chats SET " STORE_TALLY_ALL " WHERE id = ?1 AND " STORE_UNTALLIED_ANY,
		  "count events" },
		{ "DELETE FROM events WHERE chat_id = ?1", "delete events" },
		{ "DELETE FROM chat_blobs WHERE chat_id = ?1", "delete chat blobs" },
		/* A survey's comment is the guest's words; ratings and yes/no stay, as counts. */
		{ "UPDATE survey_answers SET comment = NULL WHERE chat_id = ?1", "delete survey comments" },
		{ "DELETE FROM staff_notes WHERE chat_id = ?1", "delete staff notes" },
	};
	struct hashes h = { 0 };
	char sql[160];
	size_t i;
	int rc;

	rc = only_ours(st, chat_id, &h);
	/* The search text first, here, or by the index's own thread after the commit. */
	for (i = store_search_is_elsewhere(st) ? 1 : 0; !rc && i < ARRAY_SIZE(steps); i++)
		rc = run_chat(st, steps[i][0], chat_id, steps[i][1]);
	if (!rc && store_search_is_elsewhere(st))
		store_search_dropping(st, chat_id);
	for (i = 0; !rc && i < h.n; i++)
		rc = drop_blob(st, h.v[i]);
	if (!rc) {
		snprintf(sql, sizeof(sql), "UPDATE chats SET deleted_at = %lld, guest_name = NULL, "
			 "indexed_seq = last_seq WHERE id = ?1", (long long)at);
		rc = run_chat(st, sql, chat_id, "mark deleted");
	}
	for (i = 0; !rc && orphan && i < h.n; i++)
		rc = orphan(ctx, h.v[i]);
	free(h.v);
	return rc;
}

int store_blob_in_use(struct store *st, const char *hash)
{
	struct db_stmt *s;
	int rc;

	if (db_prepare(store_db(st), "SELECT EXISTS (SELECT 1 FROM chat_blobs WHERE "
		       "hash = ?1) OR EXISTS (SELECT 1 FROM canned_blobs WHERE hash = ?1)", &s) < 0)
		return store_fail(st, "find blob");
	db_bind_text(s, 1, hash);
	rc = db_step(s);
	rc = rc == DB_ROW ? db_column_int(s, 0) : store_fail(st, "find blob");
	db_finalize(s);
	return rc;
}

int store_search_optimize(struct store *st)
{
	if (store_search_is_elsewhere(st))
		return 0; /* the index's own thread does it, after taking the text out */
	if (sqlite_only_search_optimize(store_db(st)) < 0)
		return store_fail(st, "optimize search index");
	return 0;
}
