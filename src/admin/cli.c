/*
 * cli.c - see cli.h.  Each subcommand is one transaction on the store.
 */
#include "admin/cli.h"
#include "admin/purge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/util.h"
#include "media/blobs.h"
#include "store/db.h"
#include "store/store.h"
#include "xmpp/jid.h"

static const char usage[] =
	"usage: refdesk admin --data DIR [--store URL] COMMAND [ARGS]\n"
	"\n"
	"  --store URL: the database is in PostgreSQL (as serve --store); the files\n"
	"  stay under --data.\n"
	"\n"
	"Commands:\n"
	"  account add NAME [--origin URL]...      add a library account; --origin lists the\n"
	"                                          sites allowed to embed its chat boxes\n"
	"  queue add --account NAME QUEUE [--title TITLE]\n"
	"                                          add a queue (lower case a-z, 0-9, -)\n"
	"  operator add --account NAME USERNAME [--name FULL NAME] [--admin]\n"
	"                                          add an operator; the password is read\n"
	"                                          from standard input (8-256 characters)\n"
	"  member add QUEUE USERNAME               let an operator staff a queue\n"
	"  member remove QUEUE USERNAME\n"
	"  operator set-jid USERNAME JID|--clear   link an XMPP address to the operator,\n"
	"                                          unconfirmed: chats reach it once the\n"
	"                                          operator confirms the code sent to it\n"
	"  password reset USERNAME                 set a new password (from standard input)\n"
	"                                          and sign the operator out everywhere\n"
	"  list                                    show accounts, queues and operators\n"
	"  audit [--account NAME]                  show the audit log of admin actions,\n"
	"                                          newest first\n"
	"  purge [--now WHEN]                      run the retention purge once: delete the\n"
	"                                          text, files and guest names the queues'\n"
	"                                          rules say have expired; WHEN (+Nd,\n"
	"                                          YYYY-MM-DD or ms) applies them as of then\n"
	"  migrate-store --from DIR --to URL       copy a library's SQLite database (under\n"
	"                                          its data directory DIR; sqlite:DIR too)\n"
	"                                          into an empty PostgreSQL database, then\n"
	"                                          compare the two; the server must be\n"
	"                                          stopped (no --data for this command)\n"
	"  backup DEST                             copy the database and the files it needs\n"
	"                                          into the new directory DEST, while the\n"
	"                                          server runs; serve --data DEST restores it\n"
	"\n"
	"  --help                                  show this (at any place in the command)\n";

static int fail(const char *what, int rc)
{
	fprintf(stderr, "refdesk admin: %s: %s\n", what,
		rc == -EEXIST ? "already exists" : rc == -ENOENT ? "not found" : strerror(-rc));
	return 1;
}

static int read_password(char *out, size_t size)
{
	size_t n;

	if (!fgets(out, (int)size, stdin)) {
		fprintf(stderr, "refdesk admin: give the password on standard input\n");
		return -1;
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	n = utf8_count(out, n);
	if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX) {
		fprintf(stderr, "refdesk admin: a password has 8 to 256 characters\n");
		return -1;
	}
	return 0;
}

/*
 * Record what the command did in the account's audit log, inside the
 * command's transaction: if the entry cannot be written, nothing is.
 * Returns 0, or 1 after saying why.
 */
static int record(struct store *st, int64_t account_id, const char *action, const char *target,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int record(struct store *st, int64_t account_id, const char *action, const char *target,
		  const char *fmt, ...)
{
	struct store_audit e;
	va_list ap;
	int rc, n;

	memset(&e, 0, sizeof(e));
	e.account_id = account_id;
	e.at = time_now_ms();
	str_copy(e.actor, sizeof(e.actor), STORE_AUDIT_ACTOR_CLI);
	str_copy(e.action, sizeof(e.action), action);
	str_copy(e.target, sizeof(e.target), target);
	va_start(ap, fmt);
	n = vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
	va_end(ap);
	/*
	 * Cut short (a long list of origins): not in the middle of a character.
	 * Byte n is still the text's own; a character it continues goes whole.
	 */
	if (n >= (int)sizeof(e.detail)) {
		n = (int)sizeof(e.detail) - 2;
		while (n > 0 && ((unsigned char)e.detail[n] & 0xc0) == 0x80)
			n--;
		e.detail[n] = '\0';
	}
	rc = store_audit_add(st, &e);
	return rc < 0 ? fail("audit log", rc) : 0;
}

static int account_add(struct store *st, int argc, char **argv)
{
	char origins[STORE_ORIGINS_BYTES] = "";
	size_t off = 0;
	int64_t id;
	int i, rc;

	if (argc < 1)
		return -EINVAL;
	for (i = 1; i + 1 < argc && !strcmp(argv[i], "--origin"); i += 2) {
		size_t n = strlen(argv[i + 1]) + (off ? 1 : 0);

		/* Measured before writing: a list that would not fit is refused whole. */
		if (off + n >= sizeof(origins)) {
			fprintf(stderr, "refdesk admin: account add: the origins take more than %zu "
				"characters\n", sizeof(origins) - 1);
			return 1;
		}
		snprintf(origins + off, sizeof(origins) - off, "%s%s", off ? " " : "", argv[i + 1]);
		off += n;
	}
	if (i != argc)
		return -EINVAL;
	rc = store_account_add(st, argv[0], origins, &id);
	if (rc < 0)
		return fail("account add", rc);
	if (record(st, id, STORE_AUDIT_ACCOUNT_ADD, argv[0], "origins: %s",
		   origins[0] ? origins : "none"))
		return 1;
	printf("account %lld: %s\n", (long long)id, argv[0]);
	return 0;
}

static int queue_add(struct store *st, int argc, char **argv)
{
	struct store_account a;
	const char *title = NULL;
	int64_t id;
	int rc;

	if (argc != 3 && argc != 5)
		return -EINVAL;
	if (strcmp(argv[0], "--account") || (argc == 5 && strcmp(argv[3], "--title")))
		return -EINVAL;
	if (argc == 5)
		title = argv[4];
	if (!str_is_token(argv[2], STORE_QUEUE_NAME_MAX, "-")) {
		fprintf(stderr, "refdesk admin: queue names are 1-32 of a-z, 0-9 and -\n");
		return 1;
	}
	rc = store_account_by_name(st, argv[1], &a);
	if (rc < 0)
		return fail("account", rc);
	rc = store_queue_add(st, a.id, argv[2], title ? title : argv[2], &id);
	if (rc < 0)
		return fail("queue add", rc);
	if (record(st, a.id, STORE_AUDIT_QUEUE_ADD, argv[2], "title \"%s\"",
		   title ? title : argv[2]))
		return 1;
	printf("queue %s in %s\n", argv[2], a.name);
	return 0;
}

static int operator_add(struct store *st, int argc, char **argv)
{
	struct store_operator o;
	struct store_account a;
	char password[AUTH_PASSWORD_MAX * 4 + 2];
	int i, rc;

	memset(&o, 0, sizeof(o));
	if (argc < 3 || strcmp(argv[0], "--account"))
		return -EINVAL;
	if (!str_is_token(argv[2], STORE_USERNAME_MAX, "._-")) {
		fprintf(stderr, "refdesk admin: usernames are 1-64 of A-Z a-z 0-9 . _ -\n");
		return 1;
	}
	snprintf(o.username, sizeof(o.username), "%s", argv[2]);
	snprintf(o.name, sizeof(o.name), "%s", argv[2]);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--admin"))
			o.is_admin = true;
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			snprintf(o.name, sizeof(o.name), "%s", argv[++i]);
		else
			return -EINVAL;
	}
	rc = store_account_by_name(st, argv[1], &a);
	if (rc < 0)
		return fail("account", rc);
	o.account_id = a.id;
	if (read_password(password, sizeof(password)) < 0)
		return 1;
	rc = auth_password_hash(o.pwhash, password);
	explicit_bzero(password, sizeof(password));
	if (rc < 0)
		return fail("hash", rc);
	rc = store_operator_add(st, &o, &o.id);
	if (rc < 0)
		return fail("operator add", rc);
	if (record(st, a.id, STORE_AUDIT_OPERATOR_ADD, o.username, "name \"%s\"%s", o.name,
		   o.is_admin ? "; account admin" : ""))
		return 1;
	printf("operator %s (%s)%s in %s\n", o.username, o.name, o.is_admin ? ", admin" : "",
	       a.name);
	return 0;
}

static int member_set(struct store *st, int argc, char **argv, bool member)
{
	struct store_operator o;
	struct store_queue q;
	int rc;

	if (argc != 2)
		return -EINVAL;
	rc = store_queue_by_name(st, argv[0], &q);
	if (rc < 0)
		return fail("queue", rc);
	rc = store_operator_by_username(st, argv[1], &o);
	if (rc < 0)
		return fail("operator", rc);
	if (o.account_id != q.account_id) {
		fprintf(stderr, "refdesk admin: %s and %s belong to different accounts\n",
			argv[0], argv[1]);
		return 1;
	}
	rc = store_member_set(st, q.id, o.id, member);
	if (rc < 0)
		return fail("member", rc);
	if (record(st, q.account_id, member ? STORE_AUDIT_MEMBER_ADD : STORE_AUDIT_MEMBER_REMOVE,
		   q.name, "operator %s", o.username))
		return 1;
	printf("%s %s %s\n", o.username, member ? "staffs" : "no longer staffs", q.name);
	return 0;
}

static int password_reset(struct store *st, int argc, char **argv)
{
	char password[AUTH_PASSWORD_MAX * 4 + 2], hash[AUTH_PWHASH_MAX];
	struct store_operator o;
	int rc;

	if (argc != 1)
		return -EINVAL;
	rc = store_operator_by_username(st, argv[0], &o);
	if (rc < 0)
		return fail("operator", rc);
	if (read_password(password, sizeof(password)) < 0)
		return 1;
	rc = auth_password_hash(hash, password);
	explicit_bzero(password, sizeof(password));
	if (rc < 0)
		return fail("hash", rc);
	rc = store_operator_set_password(st, o.id, hash);
	if (!rc)
		rc = store_sessions_delete_operator(st, o.id, NULL);
	if (rc < 0)
		return fail("password reset", rc);
	if (record(st, o.account_id, STORE_AUDIT_PASSWORD_RESET, o.username, "%s",
		   "new password set from the command line; signed out everywhere"))
		return 1;
	printf("password of %s changed; their sessions have ended\n", o.username);
	return 0;
}

/*
 * `operator set-jid`: the address is stored unconfirmed and without a
 * code, so it is not rung until its owner asks for a code on the
 * webclient and types it back — an admin cannot route chats to an address
 * nobody there controls.
 */
static int operator_set_jid(struct store *st, int argc, char **argv)
{
	char jid[STORE_JID_BYTES];
	struct store_operator o;
	bool clear;
	int rc;

	if (argc != 2)
		return -EINVAL;
	clear = !strcmp(argv[1], "--clear");
	rc = store_operator_by_username(st, argv[0], &o);
	if (rc < 0)
		return fail("operator", rc);
	if (!clear && jid_bare_normalize(argv[1], jid, sizeof(jid)) < 0) {
		fprintf(stderr, "refdesk admin: %s is not a bare XMPP address (name@domain)\n", argv[1]);
		return 1;
	}
	rc = clear ? store_jid_clear(st, o.id) : store_jid_set(st, o.id, jid, "", 0, time_now_ms());
	if (rc < 0)
		return fail("set-jid", rc);
	if (record(st, o.account_id, STORE_AUDIT_OPERATOR_JID, o.username, "%s",
		   clear ? "XMPP address cleared" : "XMPP address set, unconfirmed"))
		return 1;
	if (clear)
		printf("%s has no XMPP address now\n", o.username);
	else
		printf("%s: XMPP address %s set, unconfirmed; the operator confirms it on the "
		       "webclient\n", o.username, jid);
	return 0;
}

struct list_ctx {
	struct store *st;
};

static int list_queue(void *arg, const struct store_queue *q)
{
	(void)arg;
	printf("  queue %-20s %s\n", q->name, q->title);
	return 0;
}

static int list_member_queue(void *arg, const struct store_queue *q, bool available)
{
	(void)arg;
	printf(" %s%s", q->name, available ? "*" : "");
	return 0;
}

static int list_operator(void *arg, const struct store_operator *o)
{
	struct list_ctx *l = arg;

	printf("  operator %-16s %s%s%s; queues:", o->username, o->name, o->is_admin ? ", admin" : "",
	       o->disabled ? ", disabled" : "");
	store_queues_of_operator(l->st, o->id, list_member_queue, NULL);
	printf("\n");
	return 0;
}

static int list_account(void *arg, const struct store_account *a)
{
	struct list_ctx *l = arg;

	printf("account %lld: %s%s%s\n", (long long)a->id, a->name,
	       a->origins[0] ? "; embeddable on " : "", a->origins);
	store_queues_of_account(l->st, a->id, list_queue, l);
	store_operators_of_account(l->st, a->id, list_operator, l);
	return 0;
}

static int run(struct store *st, int argc, char **argv)
{
	struct list_ctx l = { st };

	if (argc >= 2 && !strcmp(argv[0], "account") && !strcmp(argv[1], "add"))
		return account_add(st, argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[0], "queue") && !strcmp(argv[1], "add"))
		return queue_add(st, argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[0], "operator") && !strcmp(argv[1], "add"))
		return operator_add(st, argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[0], "member") && !strcmp(argv[1], "add"))
		return member_set(st, argc - 2, argv + 2, true);
	if (argc >= 2 && !strcmp(argv[0], "member") && !strcmp(argv[1], "remove"))
		return member_set(st, argc - 2, argv + 2, false);
	if (argc >= 2 && !strcmp(argv[0], "operator") && !strcmp(argv[1], "set-jid"))
		return operator_set_jid(st, argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[0], "password") && !strcmp(argv[1], "reset"))
		return password_reset(st, argc - 2, argv + 2);
	if (argc == 1 && !strcmp(argv[0], "list"))
		return store_accounts_each(st, list_account, &l) < 0;
	return -EINVAL;
}

/* ---- audit log ---------------------------------------------------------------- */

struct audit_ctx {
	struct store *st;
	const char *only;  /* an account's name, or NULL for all */
	int64_t last_id;
	unsigned long n;
};

static int print_entry(void *arg, const struct store_audit *e)
{
	struct audit_ctx *c = arg;
	time_t t = (time_t)(e->at / 1000);
	char when[32];
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
	printf("  %s UTC  %-16s %-18s %s: %s\n", when, e->actor, e->action, e->target, e->detail);
	c->last_id = e->id;
	c->n++;
	return 0;
}

static int print_account_audit(void *arg, const struct store_account *a)
{
	struct audit_ctx *c = arg;
	unsigned long before;
	int rc;

	if (c->only && strcmp(c->only, a->name))
		return 0;
	printf("account %lld: %s\n", (long long)a->id, a->name);
	c->last_id = 0;
	do {
		before = c->n;
		rc = store_audit_list(c->st, a->id, c->last_id, STORE_AUDIT_PAGE_MAX, print_entry, c);
	} while (!rc && c->n - before == STORE_AUDIT_PAGE_MAX);
	return rc;
}

/* Print the audit log (of one account, or all), newest first; read-only. */
static int audit(struct store *st, int argc, char **argv)
{
	struct audit_ctx c = { st, NULL, 0, 0 };
	struct store_account a;
	int rc;

	if (argc == 2 && !strcmp(argv[0], "--account"))
		c.only = argv[1];
	else if (argc != 0)
		return -EINVAL;
	if (c.only && (rc = store_account_by_name(st, c.only, &a)) < 0)
		return fail("account", rc);
	rc = store_accounts_each(st, print_account_audit, &c);
	return rc < 0 ? fail("audit", rc) : 0;
}

/* ---- backup ------------------------------------------------------------------ */

struct backup_ctx {
	const char *from, *to;
	unsigned long blobs;
	unsigned long long bytes;
	int rc;
};

/* Copy one file, fsynced, under a temporary name first; 0 or a negative errno. */
static int copy_file(const char *from, const char *to, unsigned long long *bytes)
{
	char tmp[4200], buf[65536];
	int in, out, rc = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.part", to);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
		*bytes += (unsigned long long)n;
	}
	if (n < 0)
		rc = -errno;
	if (!rc && fsync(out) < 0)
		rc = -errno;
	close(in);
	if (close(out) < 0 && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, to) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static int backup_blob(void *arg, const char *hash)
{
	struct backup_ctx *b = arg;
	char from[4096], to[4096], dir[4096];

	if (blobs_path(b->from, hash, from, sizeof(from)) < 0 ||
	    blobs_path(b->to, hash, to, sizeof(to)) < 0)
		return 0; /* not a name the blob store makes: nothing to copy */
	/* DEST/blobs/ab/abcd…: make DEST/blobs, then DEST/blobs/ab. */
	snprintf(dir, sizeof(dir), "%s", to);
	*strrchr(dir, '/') = '\0';
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		b->rc = -errno;
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", to);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		b->rc = -errno;
		return 1;
	}
	b->rc = copy_file(from, to, &b->bytes);
	if (b->rc == -ENOENT) {
		/* A row whose file a deletion has just removed: not needed. */
		b->rc = 0;
		return 0;
	}
	if (b->rc)
		return 1;
	b->blobs++;
	return 0;
}

static int remove_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * `backup DEST`: the database as it is at one instant (the server may run
 * and write meanwhile), then every blob that copy knows.  Blobs are written
 * before the events that name them are committed, so each one the copy
 * names is on disk.  DEST must not exist; a failed backup removes it.
 */
static int backup(struct store *st, const char *from, const char *to)
{
	struct backup_ctx b = { from, to, 0, 0, 0 };
	struct store *copy = NULL;
	char db[4096];
	int rc;

	if (mkdir(to, 0700) < 0) {
		fprintf(stderr, "refdesk admin: backup: %s: %s\n", to,
			errno == EEXIST ? "already exists (give a new directory)" : strerror(errno));
		return 1;
	}
	snprintf(db, sizeof(db), "%s/refdesk.db", to);
	rc = store_backup(st, db);
	if (!rc)
		rc = store_open(&copy, to);
	if (!rc) {
		rc = store_blobs_each(copy, backup_blob, &b);
		if (!rc)
			rc = b.rc;
		store_free(copy);
	}
	if (rc) {
		fprintf(stderr, "refdesk admin: backup failed: %s; %s removed\n", strerror(-rc), to);
		nftw(to, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
		return 1;
	}
	printf("backup: the database and %lu file%s (%.1f MB) in %s\n", b.blobs,
	       b.blobs == 1 ? "" : "s", (double)b.bytes / 1048576.0, to);
	return 0;
}

static void copied(void *arg, const char *table, int64_t rows)
{
	(void)arg;
	printf("  %-18s %" PRId64 " row%s\n", table, rows, rows == 1 ? "" : "s");
}

static void compared(void *arg, const char *what, int64_t a, int64_t b)
{
	int *bad = arg;

	if (a != b) {
		printf("  %-18s %" PRId64 " there, %" PRId64 " here: DIFFERENT\n", what, a, b);
		*bad = 1;
	} else if (!strcmp(what, "transcripts compared")) {
		printf("  %" PRId64 " transcripts compared event by event\n", a);
	}
}

/*
 * `migrate-store --from [sqlite:]DIR --to URL`: the SQLite store under DIR
 * copied into an empty PostgreSQL database, then the two compared (every
 * table's count, a sample of transcripts).  The files stay under DIR:
 * serve --data DIR --store URL.
 */
static int migrate_store(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	struct store *src = NULL, *dst = NULL;
	char db[4096];
	int i, rc, bad = 0;

	for (i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--from"))
			from = argv[i + 1];
		else if (!strcmp(argv[i], "--to"))
			to = argv[i + 1];
		else
			break;
	}
	if (i != argc || !from || !to) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strncmp(from, "sqlite:", 7))
		from += 7;
	if (db_is_postgres(from) || !db_is_postgres(to)) {
		fprintf(stderr, "refdesk admin: migrate-store copies from a data directory (--from DIR) "
			"to PostgreSQL (--to postgres://...)\n");
		return 2;
	}
	snprintf(db, sizeof(db), "%s/refdesk.db", from);
	if (access(db, R_OK) < 0) {
		/* Never a new, empty store made where the library was mistyped. */
		fprintf(stderr, "refdesk admin: migrate-store: %s: %s\n", db, strerror(errno));
		return 1;
	}
	if (store_open(&src, from) < 0 || store_open(&dst, to) < 0) {
		fprintf(stderr, "refdesk admin: migrate-store: cannot open %s\n",
			src ? "the PostgreSQL database" : from);
		store_free(src);
		return 1;
	}
	printf("migrate-store: copying %s into PostgreSQL\n", from);
	rc = store_copy_all(src, dst, copied, NULL);
	if (rc == -ENOTEMPTY)
		fprintf(stderr, "refdesk admin: migrate-store: the PostgreSQL database already holds a "
			"library; give an empty one\n");
	else if (rc < 0)
		fprintf(stderr, "refdesk admin: migrate-store failed (%s); nothing was kept\n",
			strerror(-rc));
	if (!rc) {
		printf("migrate-store: checking\n");
		rc = store_compare(src, dst, 50, compared, &bad);
		if (rc || bad)
			fprintf(stderr, "refdesk admin: migrate-store: the copy differs from the original\n");
		else
			printf("migrate-store: done; start the server with --data %s --store URL\n", from);
	}
	store_free(dst);
	store_free(src);
	return rc || bad ? 1 : 0;
}

int admin_main(int argc, char **argv)
{
	const char *dir = NULL, *where;
	struct store *st;
	int rc, i = 0;

	/* Asking for help is not a mistake: the usage on standard output, 0. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 0 && !strcmp(argv[i], "help"))) {
			fputs(usage, stdout);
			return 0;
		}
	}
	if (argc >= 1 && !strcmp(argv[0], "migrate-store"))
		return auth_init() < 0 ? 1 : migrate_store(argc - 1, argv + 1);
	i = 0;
	if (argc >= 2 && !strcmp(argv[0], "--data")) {
		dir = argv[1];
		i = 2;
	}
	where = dir;
	if (dir && i + 1 < argc && !strcmp(argv[i], "--store")) {
		where = argv[i + 1];
		i += 2;
		if (!db_is_postgres(where)) {
			fprintf(stderr, "refdesk admin: --store: give a postgres:// URL\n");
			return 2;
		}
	}
	if (!dir || i >= argc) {
		fprintf(stderr, "refdesk admin: %s\n\n", dir ? "which command?" : "--data DIR comes first");
		fputs(usage, stderr);
		return 2;
	}
	if (auth_init() < 0 || store_open(&st, where) < 0) {
		fprintf(stderr, "refdesk admin: cannot open the database %s %s\n",
			where == dir ? "in" : "at", where == dir ? dir : "given by --store");
		return 1;
	}
	if (!strcmp(argv[i], "backup")) {
		/* Not in a write transaction: the server's writer goes on meanwhile. */
		rc = i + 2 == argc ? backup(st, dir, argv[i + 1]) : -EINVAL;
		store_free(st);
		if (rc == -EINVAL)
			fputs(usage, stderr);
		return rc == -EINVAL ? 2 : rc;
	}
	if (!strcmp(argv[i], "purge")) {
		/* A transaction per batch, not one for the whole purge: the server writes meanwhile. */
		rc = admin_purge(st, dir, argc - i - 1, argv + i + 1);
		store_free(st);
		if (rc == -EINVAL)
			fputs(usage, stderr);
		return rc == -EINVAL ? 2 : rc;
	}
	if (!strcmp(argv[i], "audit")) {
		/* Only reads: no write transaction, which would hold up the server's writer. */
		rc = audit(st, argc - i - 1, argv + i + 1);
		store_free(st);
		if (rc == -EINVAL)
			fputs(usage, stderr);
		return rc == -EINVAL ? 2 : rc;
	}
	if (store_begin(st) < 0) {
		store_free(st);
		return 1;
	}
	rc = run(st, argc - i, argv + i);
	if (rc == -EINVAL)
		fputs(usage, stderr);
	if (rc == 0 && store_commit(st) < 0)
		rc = 1;
	if (rc != 0)
		store_rollback(st);
	store_free(st);
	return rc == -EINVAL ? 2 : rc;
}

static int count_account(void *arg, const struct store_account *a)
{
	(void)a;
	++*(int *)arg;
	return 0;
}

int admin_seed_demo(const char *data_dir, char *password)
{
	struct store_operator o;
	int64_t account = 0, queue = 0;
	struct store *st;
	int n = 0, rc;

	rc = store_open(&st, data_dir);
	if (rc < 0)
		return rc;
	rc = store_begin(st);
	if (!rc)
		rc = store_accounts_each(st, count_account, &n);
	if (rc < 0 || n > 0)
		goto out;
	memset(&o, 0, sizeof(o));
	auth_password_generate(password, 16);
	rc = auth_password_hash(o.pwhash, password);
	if (!rc)
		rc = store_account_add(st, "Demo Library", "", &account);
	if (!rc)
		rc = store_queue_add(st, account, "ask", "Ask a Librarian", &queue);
	o.account_id = account;
	o.is_admin = true;
	snprintf(o.username, sizeof(o.username), "admin");
	snprintf(o.name, sizeof(o.name), "Demo Librarian");
	if (!rc)
		rc = store_operator_add(st, &o, &o.id);
	if (!rc)
		rc = store_member_set(st, queue, o.id, true);
	if (!rc)
		rc = store_commit(st);
	if (!rc)
		rc = 1;
out:
	if (rc <= 0)
		store_rollback(st);
	store_free(st);
	return rc;
}
