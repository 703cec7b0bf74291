/*
 * db_pg.c - the PostgreSQL driver of db.h, through libpq.
 *
 * How it works:
 *  - SQL: each `?N` becomes `$k`, numbered in the order the numbers first
 *    appear, so a parameter the text does not use is never sent (PostgreSQL
 *    could not tell its type); the statement keeps which `?N` each `$k` is.
 *  - Values travel as text, blobs as binary; a parameter's type is given
 *    at prepare only for blobs and integers, so PostgreSQL infers the rest
 *    from where they stand.  Rows come back as text and are parsed when
 *    read; a bytea column is unescaped.
 *  - A statement kept for the connection's life (db_prepare_cached()) is
 *    prepared on the server the first time it runs on a connection; others
 *    go in one round trip each.  db_step() runs the statement and takes its
 *    whole result, so another statement may run while its rows are read.
 *  - Transaction commands other than COMMIT wait (pg_tx()) and go with the
 *    next statement in one pipeline: a stored message is one round trip.
 *  - A lost connection: the failing call returns -ENOTCONN and is logged
 *    once; later calls make a new connection, after a wait that grows from
 *    one second to sixteen, and the first that succeeds logs that the
 *    database is back.  Never inside a transaction (ensure()).  Nothing is
 *    replayed: what failed was not acknowledged (the writer answers
 *    `storage`).
 */
#include "store/db_driver.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

/* Type oids of pg_type, which libpq does not export. */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/*
 * How long after a failed attempt the next call may try to connect again:
 * a second, doubled after each failure up to 16 (an attempt can block its
 * thread for up to connect_timeout, below).
 */
#define RECONNECT_MS 1000
#define RECONNECT_MAX_MS 16000

struct pg_db {
	struct db base;
	PGconn *conn;
	char *url;
	unsigned gen;          /* counts connections: server-side statements are per connection */
	unsigned names;        /* the last server-side statement's number */
	int changes;           /* rows the last command changed */
	int err;               /* the last failure's errno */
	bool down;             /* the connection is lost and that was logged */
	int64_t retry_ms;      /* monotonic time of the next attempt to connect */
	int64_t backoff_ms;    /* the wait after the next failed attempt */
	bool in_tx;            /* a BEGIN was sent (or is pending) and no COMMIT or ROLLBACK since */
	enum db_tx pending[8]; /* transaction commands not sent yet (see pg_tx()) */
	int npending;
	unsigned tx_gen;       /* the connection that BEGIN ran on */
	char msg[512];
};

struct pg_param {
	Oid type;     /* 0 while NULL or text: PostgreSQL infers it */
	char *val;    /* NULL for SQL NULL */
	int len;
	int format;   /* 0 text, 1 binary */
	char num[24]; /* an integer's digits (val points here) */
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_db *db;
	char *sql;            /* with $k */
	bool cached;
	int nmap;             /* parameters sent: $1..$nmap */
	int *map;             /* $k is ?map[k - 1] */
	int nparams;          /* the highest ?N */
	struct pg_param *p;   /* ?N is p[N - 1] */
	unsigned gen;         /* the connection it is prepared on (0: none) */
	char name[16];
	PGresult *res;
	int row, nrows;
	bool ran;
	struct pg_blob {
		unsigned char *p;
		size_t n;
	} *blob;              /* each bytea column of the current row read, unescaped */
	int nblob;
};

static const struct db_driver pg_driver;

#define DB(d) ((struct pg_db *)(d))
#define ST(s) ((struct pg_stmt *)(s))

static void set_msg(struct pg_db *db, int err, const char *what, const char *text)
{
	size_t n;

	db->err = err;
	snprintf(db->msg, sizeof(db->msg), "%s%s%s", what, *what ? ": " : "", text ? text : "");
	n = strlen(db->msg);
	while (n && (db->msg[n - 1] == '\n' || db->msg[n - 1] == ' '))
		db->msg[--n] = '\0';
	/* One log line: PostgreSQL's DETAIL and HINT come on lines of their own. */
	for (char *p = db->msg; (p = strpbrk(p, "\r\n"));)
		*p = ' ';
}

/* A libpq error as errno, from its SQLSTATE. */
static int state_errno(const char *state)
{
	if (!state)
		return -EIO;
	if (!strncmp(state, "23", 2))
		return -EEXIST; /* integrity constraint violation */
	if (!strcmp(state, "53100"))
		return -ENOSPC; /* disk full */
	return -EIO;
}

/*
 * Connections of this process that lost their link: the log says so when
 * the first one does and again when the last is back, not per connection
 * or per failed write.
 */
static atomic_int n_down;

/* The connection broke: say so once. */
static void lost(struct pg_db *db)
{
	if (db->down)
		return;
	db->down = true;
	if (atomic_fetch_add(&n_down, 1) == 0)
		log_error("store: lost the PostgreSQL connection: %s; writes fail until it is back",
			  db->msg);
}

static int setup(struct pg_db *db);
static PGconn *connect_to(struct pg_db *db);

static const char *const tx_sql[] = {
	[DB_TX_BEGIN] = "BEGIN",
	[DB_TX_COMMIT] = "COMMIT",
	[DB_TX_ROLLBACK] = "ROLLBACK",
	[DB_TX_SAVEPOINT] = "SAVEPOINT op",
	[DB_TX_RELEASE] = "RELEASE op",
	[DB_TX_ROLLBACK_TO] = "ROLLBACK TO op",
};

/*
 * Connect again if the link is gone; 0 when it is up.  Never inside a
 * transaction: what it had written went with the old session, so a new
 * one must not carry on as if it were the same (every call fails until
 * the caller's ROLLBACK, and its COMMIT fails).
 */
static int ensure(struct pg_db *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK && (!db->in_tx || db->tx_gen == db->gen))
		return 0;
	if (!db->down) {
		set_msg(db, -ENOTCONN, "connection", PQerrorMessage(db->conn));
		lost(db);
	}
	if (db->in_tx) {
		set_msg(db, -ENOTCONN, "PostgreSQL connection lost", "the transaction is gone");
		return -ENOTCONN;
	}
	if (time_mono_ms() < db->retry_ms) {
		set_msg(db, -ENOTCONN, "PostgreSQL unreachable", "waiting to try again");
		return -ENOTCONN;
	}
	PQfinish(db->conn);
	db->conn = connect_to(db);
	if (PQstatus(db->conn) != CONNECTION_OK || setup(db) < 0) {
		db->backoff_ms = db->backoff_ms ? db->backoff_ms * 2 : RECONNECT_MS;
		if (db->backoff_ms > RECONNECT_MAX_MS)
			db->backoff_ms = RECONNECT_MAX_MS;
		db->retry_ms = time_mono_ms() + db->backoff_ms;
		set_msg(db, -ENOTCONN, "PostgreSQL unreachable", PQerrorMessage(db->conn));
		/* Not one without its settings (synchronous_commit): the next attempt starts over. */
		PQfinish(db->conn);
		db->conn = NULL;
		return -ENOTCONN;
	}
	db->gen++;
	db->down = false;
	db->backoff_ms = 0;
	if (atomic_fetch_sub(&n_down, 1) == 1)
		log_info("store: the PostgreSQL connection is back");
	return 0;
}

/* Take a result's outcome: 0 or a negative errno (the message kept). */
static int outcome(struct pg_db *db, PGresult *res, const char *what)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		const char *n = PQcmdTuples(res);

		db->changes = n && *n ? atoi(n) : 0;
		return 0;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_msg(db, -ENOTCONN, what, PQerrorMessage(db->conn));
		lost(db);
		return -ENOTCONN;
	}
	set_msg(db, state_errno(PQresultErrorField(res, PG_DIAG_SQLSTATE)), what,
		res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
	return db->err;
}

/* What the server says besides results (warnings only: see setup()), into the log. */
static void notice(void *arg, const char *message)
{
	size_t n = strlen(message);

	(void)arg;
	while (n && message[n - 1] == '\n')
		n--;
	log_warn("store: PostgreSQL says: %.*s", (int)n, message);
}

/* The session's settings, on each new connection. */
static int setup(struct pg_db *db)
{
	PGresult *res = PQexec(db->conn, "SET synchronous_commit = on; SET client_encoding = 'UTF8';"
				       "SET client_min_messages = warning; SET statement_timeout = '60s'");
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -EIO;

	if (rc < 0)
		set_msg(db, -EIO, "set up the connection", PQerrorMessage(db->conn));
	PQclear(res);
	return rc;
}

/*
 * A new connection to db->url, blocking: a new libpq object each time, so
 * nothing of a broken one (its pipeline, its settings) carries over.
 */
static PGconn *connect_to(struct pg_db *db)
{
	/*
	 * Defaults a server out of reach needs (a lost packet must not hold a
	 * thread for minutes); the URL's own parameters come last and win.
	 */
	static const char *const keys[] = {
		"connect_timeout", "tcp_user_timeout", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "application_name", "dbname", NULL
	};
	const char *vals[] = { "3", "15000", "1", "30", "10", "3", "refdesk", db->url, NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	if (PQstatus(conn) == CONNECTION_OK)
		PQsetNoticeProcessor(conn, notice, NULL);
	return conn;
}

int db_pg_open(struct db **out, const char *url)
{
	struct pg_db *db = xcalloc(1, sizeof(*db));

	*out = NULL;
	db->base.drv = &pg_driver;
	db->url = xstrdup(url);
	db->conn = connect_to(db);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		/* The URL may hold a password: the log names only the failure. */
		log_error("store: cannot connect to PostgreSQL: %s", PQerrorMessage(db->conn));
		goto fail;
	}
	db->gen = 1;
	if (setup(db) < 0) {
		log_error("store: %s", db->msg);
		goto fail;
	}
	*out = &db->base;
	return 0;
fail:
	PQfinish(db->conn);
	free(db->url);
	free(db);
	return -EIO;
}

static void pg_close(struct db *d)
{
	if (DB(d)->down)
		atomic_fetch_sub(&n_down, 1);
	PQfinish(DB(d)->conn);
	free(DB(d)->url);
	free(d);
}

/*
 * `?N` to `$k`.  Quotes are skipped; a plain `?` is refused.  Returns 0 or
 * -EINVAL (logged).
 */
static int translate(struct pg_stmt *s, const char *sql)
{
	size_t cap = strlen(sql) * 2 + 16, len = 0;
	int mapcap = 8;
	const char *p;
	char quote = 0;

	s->sql = xmalloc(cap);
	s->map = xmalloc(sizeof(int) * (size_t)mapcap);
	for (p = sql; *p; p++) {
		long n;
		int k;
		char *end;

		if (quote) {
			quote = *p == quote ? 0 : quote;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			n = strtol(p + 1, &end, 10);
			if (end == p + 1 || n < 1 || n > 999) {
				log_error("store: parameters must be numbered ?1, ?2...: %.80s", sql);
				return -EINVAL;
			}
			for (k = 0; k < s->nmap && s->map[k] != n; k++)
				;
			if (k == s->nmap) {
				if (s->nmap == mapcap) {
					mapcap *= 2;
					s->map = xrealloc(s->map, sizeof(int) * (size_t)mapcap);
				}
				s->map[s->nmap++] = (int)n;
			}
			if (n > s->nparams)
				s->nparams = (int)n;
			len += (size_t)snprintf(s->sql + len, cap - len, "$%d", k + 1);
			p = end - 1;
			continue;
		}
		s->sql[len++] = *p;
	}
	s->sql[len] = '\0';
	return 0;
}

static void pg_finalize(struct db_stmt *st);

static int pg_prepare(struct db *d, const char *sql, bool cached, struct db_stmt **out)
{
	struct pg_stmt *s = xcalloc(1, sizeof(*s));

	*out = NULL;
	s->base.drv = &pg_driver;
	s->db = DB(d);
	s->cached = cached;
	if (translate(s, sql) < 0) {
		pg_finalize(&s->base);
		return -EINVAL;
	}
	s->p = xcalloc((size_t)s->nparams + 1, sizeof(*s->p));
	if (cached)
		snprintf(s->name, sizeof(s->name), "r%u", ++s->db->names);
	*out = &s->base;
	return 0;
}

/* Free the current row's unescaped bytea values. */
static void free_blobs(struct pg_stmt *s)
{
	int i;

	for (i = 0; i < s->nblob; i++) {
		PQfreemem(s->blob[i].p);
		s->blob[i].p = NULL;
	}
}

static void clear_result(struct pg_stmt *s)
{
	free_blobs(s);
	free(s->blob);
	s->blob = NULL;
	s->nblob = 0;
	PQclear(s->res);
	s->res = NULL;
	s->ran = false;
	s->row = s->nrows = 0;
}

static void param_clear(struct pg_param *p)
{
	if (p->val != p->num)
		free(p->val);
	memset(p, 0, sizeof(*p));
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);
	int i;

	clear_result(s);
	for (i = 0; s->p && i < s->nparams; i++)
		param_clear(&s->p[i]);
	/* A server-side statement is left to the session: it goes with the connection. */
	free(s->p);
	free(s->map);
	free(s->sql);
	free(s);
}

/* The parameter ?col, or NULL past the statement's. */
static struct pg_param *param(struct pg_stmt *s, int col)
{
	if (col < 1 || col > s->nparams)
		return NULL;
	param_clear(&s->p[col - 1]);
	return &s->p[col - 1];
}

static void pg_bind_int64(struct db_stmt *st, int col, int64_t v)
{
	struct pg_param *p = param(ST(st), col);

	if (!p)
		return;
	p->type = OID_INT8;
	p->len = snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->val = p->num;
}

static void pg_bind_text(struct db_stmt *st, int col, const char *text)
{
	struct pg_param *p = param(ST(st), col);

	if (!p)
		return;
	p->val = xstrdup(text);
	p->len = (int)strlen(text);
}

static void pg_bind_blob(struct db_stmt *st, int col, const void *data, size_t n)
{
	struct pg_param *p = param(ST(st), col);

	if (!p)
		return;
	p->type = OID_BYTEA;
	p->val = xmalloc(n + 1);
	if (n)
		memcpy(p->val, data, n);
	p->len = (int)n;
	p->format = 1;
}

static void pg_bind_null(struct db_stmt *st, int col)
{
	param(ST(st), col);
}

/* Run the statement: its whole result is kept for the rows. */
/*
 * The statement a pipeline ends with (NULL: none), with its parameters as
 * libpq wants them.
 */
struct pg_send {
	struct pg_stmt *s;
	const char *const *vals;
	const int *lens, *fmts;
	const Oid *types;
};

/* The pipeline cannot go on (the link broke, or libpq said what it should not): drop the session. */
static int broken(struct pg_db *db, const char *what)
{
	set_msg(db, -ENOTCONN, what, PQerrorMessage(db->conn));
	PQfinish(db->conn);
	db->conn = NULL; /* ensure() makes a new one: its transaction is gone with this one */
	lost(db);
	return -ENOTCONN;
}

/*
 * Send the deferred transaction commands and then `st->s` (if any) in one
 * pipeline: one round trip for all.  *out gets the statement's result.
 * Returns 0, or the first failure's negative errno (*out is then NULL): a
 * command that fails stops the rest, as it would have run alone.
 */
static int pipeline(struct pg_db *db, const struct pg_send *st, PGresult **out)
{
	struct pg_stmt *s = st->s;
	int i, n = db->npending, rc = 0, expect;
	bool prepare = s && s->cached && s->gen != db->gen;
	PGresult *res;

	*out = NULL;
	db->npending = 0;
	if (!PQenterPipelineMode(db->conn))
		return broken(db, "pipeline");
	for (i = 0; i < n; i++)
		if (!PQsendQueryParams(db->conn, tx_sql[db->pending[i]], 0, NULL, NULL, NULL, NULL, 0))
			return broken(db, tx_sql[db->pending[i]]);
	if (prepare && !PQsendPrepare(db->conn, s->name, s->sql, s->nmap, st->types))
		return broken(db, "prepare");
	if (s && !(s->cached ? PQsendQueryPrepared(db->conn, s->name, s->nmap, st->vals, st->lens,
						   st->fmts, 0)
			     : PQsendQueryParams(db->conn, s->sql, s->nmap, st->types, st->vals,
						 st->lens, st->fmts, 0)))
		return broken(db, "send");
	if (!PQpipelineSync(db->conn))
		return broken(db, "sync");
	expect = n + prepare + (s != NULL);
	for (i = 0; i < expect; i++) {
		ExecStatusType status;

		res = PQgetResult(db->conn);
		if (!res)
			return broken(db, "pipeline");
		status = PQresultStatus(res);
		if (!rc && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
			rc = outcome(db, res, i < n ? tx_sql[db->pending[i]] : prepare && i == n ?
				     "prepare" : "");
		if (i == expect - 1 && !rc)
			*out = res; /* the statement's, or the last command's */
		else
			PQclear(res);
		/* Each query's results end with a NULL. */
		if ((res = PQgetResult(db->conn))) {
			PQclear(res);
			PQclear(*out);
			*out = NULL;
			return broken(db, "pipeline");
		}
	}
	res = PQgetResult(db->conn);
	if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC || !PQexitPipelineMode(db->conn)) {
		PQclear(res);
		PQclear(*out);
		*out = NULL;
		return broken(db, "pipeline");
	}
	PQclear(res);
	if (rc && PQstatus(db->conn) != CONNECTION_OK) {
		PQclear(*out);
		*out = NULL;
		return broken(db, "pipeline");
	}
	if (prepare && !rc)
		s->gen = db->gen;
	if (*out)
		outcome(db, *out, ""); /* the statement's row count */
	return rc;
}

static int run_once(struct pg_stmt *s)
{
	struct pg_db *db = s->db;
	const char *vals[s->nmap + 1];
	int lens[s->nmap + 1], fmts[s->nmap + 1];
	Oid types[s->nmap + 1];
	PGresult *res;
	int k, rc;

	if (ensure(db) < 0)
		return -ENOTCONN;
	for (k = 0; k < s->nmap; k++) {
		const struct pg_param *p = &s->p[s->map[k] - 1];

		vals[k] = p->val;
		lens[k] = p->len;
		fmts[k] = p->format;
		types[k] = p->type;
	}
	if (db->npending) {
		struct pg_send st = { s, vals, lens, fmts, types };

		rc = pipeline(db, &st, &res);
		if (rc < 0)
			return rc;
		goto done;
	}
	if (s->cached && s->gen != db->gen) {
		res = PQprepare(db->conn, s->name, s->sql, s->nmap, types);
		rc = outcome(db, res, "prepare");
		PQclear(res);
		if (rc < 0)
			return rc;
		s->gen = db->gen;
	}
	if (s->cached)
		res = PQexecPrepared(db->conn, s->name, s->nmap, vals, lens, fmts, 0);
	else
		res = PQexecParams(db->conn, s->sql, s->nmap, types, vals, lens, fmts, 0);
	rc = outcome(db, res, "");
	if (rc < 0) {
		PQclear(res);
		return rc;
	}
done:
	s->res = res;
	s->nrows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	s->row = -1;
	return 0;
}

/*
 * Run the statement.  A read that finds the link broken (an idle session
 * the server closed when it restarted) goes once more on a new one; a
 * write does not, since it may have run before the link broke.
 */
static int run(struct pg_stmt *s)
{
	int rc = run_once(s);

	if (rc == -ENOTCONN && !s->db->in_tx && !strncmp(s->sql, "SELECT ", 7))
		rc = run_once(s);
	return rc;
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);
	int rc;

	if (!s->ran) {
		s->ran = true;
		rc = run(s);
		if (rc < 0) {
			s->nrows = 0;
			return rc;
		}
	}
	free_blobs(s);
	if (s->row < s->nrows)
		s->row++;
	return s->row < s->nrows ? DB_ROW : DB_DONE;
}

/* The current row's value of `col`, or NULL (no row, no column, SQL NULL). */
static const char *value(struct pg_stmt *s, int col)
{
	if (!s->res || s->row < 0 || s->row >= s->nrows || col < 0 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static int64_t pg_column_int64(struct db_stmt *st, int col)
{
	const char *v = value(ST(st), col);

	if (!v)
		return 0;
	if (PQftype(ST(st)->res, col) == OID_BOOL)
		return *v == 't';
	/* numeric (a sum) and float read as their whole part, as SQLite's do */
	return strtoll(v, NULL, 10);
}

static const char *pg_column_text(struct db_stmt *st, int col)
{
	return value(ST(st), col);
}

static const void *pg_column_blob(struct db_stmt *st, int col, size_t *bytes)
{
	struct pg_stmt *s = ST(st);
	const char *v = value(s, col);

	*bytes = 0;
	if (!v)
		return NULL;
	if (PQftype(s->res, col) != OID_BYTEA) {
		*bytes = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	if (!s->blob) {
		s->nblob = PQnfields(s->res);
		s->blob = xcalloc((size_t)s->nblob, sizeof(*s->blob));
	}
	if (!s->blob[col].p)
		s->blob[col].p = PQunescapeBytea((const unsigned char *)v, &s->blob[col].n);
	*bytes = s->blob[col].p ? s->blob[col].n : 0;
	return s->blob[col].p;
}

static bool pg_column_is_null(struct db_stmt *st, int col)
{
	return value(ST(st), col) == NULL;
}

static enum db_type pg_column_type(struct db_stmt *st, int col)
{
	struct pg_stmt *s = ST(st);

	if (!value(s, col))
		return DB_NULL;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
	case OID_INT8:
	case OID_INT2:
	case OID_INT4:
		return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

static int pg_column_count(struct db_stmt *st)
{
	return ST(st)->res ? PQnfields(ST(st)->res) : 0;
}

static const char *pg_column_name(struct db_stmt *st, int col)
{
	return ST(st)->res ? PQfname(ST(st)->res, col) : NULL;
}

static void pg_reset(struct db_stmt *st)
{
	clear_result(ST(st));
}

static void pg_unbind(struct db_stmt *st)
{
	struct pg_stmt *s = ST(st);
	int i;

	for (i = 0; i < s->nparams; i++)
		param_clear(&s->p[i]);
}

static int pg_changes(struct db *d)
{
	return DB(d)->changes;
}

static int pg_exec(struct db *d, const char *sql)
{
	struct pg_db *db = DB(d);
	PGresult *res;
	int rc;

	if (ensure(db) < 0)
		return -ENOTCONN;
	if (db->npending) {
		struct pg_send none = { 0 };

		rc = pipeline(db, &none, &res);
		PQclear(res);
		if (rc < 0)
			return rc;
	}
	res = PQexec(db->conn, sql);
	rc = outcome(db, res, "");
	PQclear(res);
	return rc;
}

/*
 * Transactions.  BEGIN, SAVEPOINT, RELEASE and ROLLBACK TO answer nothing
 * the caller reads: they wait in `pending` and go in one round trip with
 * the next statement (pipeline()), whose failure they then share.  A
 * message stored in a batch is thus one round trip, not three.  COMMIT
 * goes at once with whatever waits; ROLLBACK drops what waits.
 */
static int pg_tx(struct db *d, enum db_tx tx)
{
	struct pg_db *db = DB(d);
	bool same = db->in_tx && db->tx_gen == db->gen && PQstatus(db->conn) == CONNECTION_OK;
	struct pg_send none = { 0 };
	PGresult *res;
	int rc;

	if (tx == DB_TX_BEGIN) {
		db->in_tx = false;
		db->npending = 0;
		if (ensure(db) < 0)
			return -ENOTCONN;
		db->pending[db->npending++] = DB_TX_BEGIN;
		db->in_tx = true;
		db->tx_gen = db->gen;
		return 0;
	}
	if (!same) {
		/*
		 * The session that began it is gone, and its transaction with it:
		 * a rollback has nothing left to do, anything else fails (a COMMIT
		 * on a new session would answer as if it had committed).
		 */
		db->npending = 0;
		if (tx == DB_TX_COMMIT || tx == DB_TX_ROLLBACK)
			db->in_tx = false;
		if (tx == DB_TX_ROLLBACK)
			return 0;
		set_msg(db, -ENOTCONN, tx_sql[tx], "the transaction's connection was lost");
		return -ENOTCONN;
	}
	if (tx == DB_TX_ROLLBACK) {
		db->npending = 0;
		db->in_tx = false;
		if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
			return 0; /* its BEGIN was never sent */
		res = PQexec(db->conn, "ROLLBACK");
		rc = outcome(db, res, "ROLLBACK");
		PQclear(res);
		return rc;
	}
	if (db->npending == (int)ARRAY_SIZE(db->pending)) {
		rc = pipeline(db, &none, &res);
		PQclear(res);
		if (rc < 0)
			return rc;
	}
	db->pending[db->npending++] = tx;
	if (tx != DB_TX_COMMIT)
		return 0;
	db->in_tx = false;
	rc = pipeline(db, &none, &res);
	/* A COMMIT of a failed transaction answers "ROLLBACK": it did not commit. */
	if (!rc && (!res || strcmp(PQcmdStatus(res), "COMMIT"))) {
		set_msg(db, -EIO, "commit", "the transaction had failed and was rolled back");
		rc = -EIO;
	}
	PQclear(res);
	return rc;
}

static bool pg_in_transaction(struct db *d)
{
	struct pg_db *db = DB(d);

	/* (Its BEGIN may still wait to be sent: the server then says idle.) */
	return db->in_tx && db->tx_gen == db->gen && PQstatus(db->conn) == CONNECTION_OK &&
	       PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN;
}

static int pg_set_durable(struct db *d, bool durable)
{
	return pg_exec(d, durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off");
}

static int pg_error(struct db *d)
{
	return DB(d)->err ? DB(d)->err : -EIO;
}

static const char *pg_errmsg(struct db *d)
{
	return DB(d)->msg;
}

static bool pg_unreachable(struct db *d)
{
	return DB(d)->down;
}

static const struct db_driver pg_driver = {
	.dialect = DB_POSTGRES,
	.close = pg_close,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_is_null = pg_column_is_null,
	.column_type = pg_column_type,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.reset = pg_reset,
	.unbind = pg_unbind,
	.changes = pg_changes,
	.exec = pg_exec,
	.tx = pg_tx,
	.in_transaction = pg_in_transaction,
	.set_durable = pg_set_durable,
	.error = pg_error,
	.errmsg = pg_errmsg,
	.unreachable = pg_unreachable,
};
