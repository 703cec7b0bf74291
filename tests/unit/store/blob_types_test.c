/*
 * blob_types_test.c - a blob's recorded type is the type it is served as:
 * an image only for the image pipeline's output, never a file's declared
 * type (migration 6 and store_chat_blob_add()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/schema.h"
#include "store/store.h"

static char dir[64];

static struct store *fresh_store(void)
{
	struct store *st = NULL;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || store_open(&st, dir) < 0)
		return NULL;
	return st;
}

/* 64 hex digits made of `c`. */
static const char *hash_of(char c)
{
	static char h[8][65];
	static int next;
	char *p = h[next++ % 8];

	memset(p, c, 64);
	p[64] = '\0';
	return p;
}

static const char *type_of(struct store *st, int64_t chat, const char *hash)
{
	static struct store_blob b;

	if (store_chat_blob_get(st, chat, hash, &b) < 0)
		return "(none)";
	return b.mime;
}

/*
 * A database of schema 5 whose files kept their declared types comes out
 * of migration 6 with only snapshots' images and thumbnails (and editor
 * documents) typed; every file is plain bytes.
 */
static void migration_keeps_images_only_for_snapshots(void)
{
	struct store *st = fresh_store();
	char path[128], sql[4096];
	struct db *db;

	store_free(st); /* only for the empty directory */
	snprintf(path, sizeof(path), "%s/refdesk.db", dir);
	unlink(path);
	CHECK_EQ(db_open(&db, path), 0);
	CHECK_EQ(schema_migrate_to(db, 5), 0);
	/* H('1') is 64 ones, the hash_of('1') of the checks below. */
#define H(c) "replace(hex(zeroblob(32)), '0', '" c "')"
#define EV(seq, kind, body) "(1, " #seq ", '" kind "', 2, " body ", 1)"
	snprintf(sql, sizeof(sql), "%s",
		 "INSERT INTO accounts(id, name, origins, created_at) VALUES (1, 'A', '', 1);"
		 "INSERT INTO queues(id, account_id, name, title, created_at)"
		 "  VALUES (1, 1, 'q', 'Q', 1);"
		 "INSERT INTO chats(id, public_id, token_hash, account_id, queue_id, status,"
		 "  last_seq, created_at, ord) VALUES (1, 'c_1', x'00', 1, 1, 1, 5, 1, 1);"
		 "INSERT INTO events(chat_id, seq, kind, author, body, at) VALUES "
		 EV(1, "snapshot", "json_object('blob', " H("1") ", 'thumb', " H("2") ")") ","
		 EV(2, "snapshot", "json_object('blob', " H("7") ", 'thumb', " H("2") ","
		    " 'annotation', " H("6") ")") ","
		 EV(3, "file", "json_object('blob', " H("3") ", 'mime', 'image/png')") ","
		 EV(4, "file", "json_object('blob', " H("4") ", 'mime', 'text/html')") ","
		 EV(5, "file", "json_object('blob', " H("5") ", 'mime', 'application/json')") ";"
		 "INSERT INTO blobs(hash, mime, size, created_at) VALUES"
		 "  (" H("1") ", 'image/png', 1, 1), (" H("2") ", 'image/jpeg', 1, 1),"
		 "  (" H("3") ", 'image/png', 1, 1), (" H("4") ", 'text/html', 1, 1),"
		 "  (" H("5") ", 'application/json', 1, 1), (" H("6") ", 'application/json', 1, 1),"
		 "  (" H("7") ", 'image/jpeg', 1, 1), (" H("8") ", 'application/json', 1, 1);"
		 "INSERT INTO chat_blobs(chat_id, hash, name) SELECT 1, hash, 'x' FROM blobs;");
#undef EV
#undef H
	CHECK_EQ(db_exec(db, sql), 0);
	db_close(db);

	CHECK_EQ(store_open(&st, dir), 0);
	/* A snapshot, its thumbnail, an edited snapshot. */
	CHECK(!strcmp(type_of(st, 1, hash_of('1')), "image/png"));
	CHECK(!strcmp(type_of(st, 1, hash_of('2')), "image/jpeg"));
	CHECK(!strcmp(type_of(st, 1, hash_of('7')), "image/jpeg"));
	/* Files sent as "image/png", "text/html" and "application/json". */
	CHECK(!strcmp(type_of(st, 1, hash_of('3')), "application/octet-stream"));
	CHECK(!strcmp(type_of(st, 1, hash_of('4')), "application/octet-stream"));
	CHECK(!strcmp(type_of(st, 1, hash_of('5')), "application/octet-stream"));
	/* Editor documents: a snapshot's, and one whose image is not sent yet. */
	CHECK(!strcmp(type_of(st, 1, hash_of('6')), "application/json"));
	CHECK(!strcmp(type_of(st, 1, hash_of('8')), "application/json"));
	store_free(st);
}

/* The same bytes again: a file never changes a type; the pipeline's type replaces plain bytes. */
static void a_file_never_retypes_a_blob(void)
{
	struct store *st = fresh_store();
	int64_t account, queue;
	struct store_chat c;

	CHECK(st != NULL);
	CHECK_EQ(store_account_add(st, "A", "", &account), 0);
	CHECK_EQ(store_queue_add(st, account, "q", "Q", &queue), 0);
	memset(&c, 0, sizeof(c));
	c.id = 1;
	snprintf(c.public_id, sizeof(c.public_id), "c_1");
	c.account_id = account;
	c.queue_id = queue;
	c.status = CHAT_WAITING;
	c.created_at = 1;
	CHECK_EQ(store_chat_add(st, &c), 0);

	CHECK_EQ(store_chat_blob_add(st, 1, hash_of('a'), "image/png", 10, "shot.png"), 0);
	CHECK_EQ(store_chat_blob_add(st, 1, hash_of('a'), "application/octet-stream", 10, "x"), 0);
	CHECK(!strcmp(type_of(st, 1, hash_of('a')), "image/png"));
	CHECK_EQ(store_chat_blob_add(st, 1, hash_of('b'), "application/octet-stream", 10, "b"), 0);
	CHECK(!strcmp(type_of(st, 1, hash_of('b')), "application/octet-stream"));
	CHECK_EQ(store_chat_blob_add(st, 1, hash_of('b'), "image/png", 10, "b.png"), 0);
	CHECK(!strcmp(type_of(st, 1, hash_of('b')), "image/png"));
	CHECK_EQ(store_chat_blob_add(st, 1, hash_of('b'), "image/jpeg", 10, "b.png"), 0);
	CHECK(!strcmp(type_of(st, 1, hash_of('b')), "image/png"));
	store_free(st);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/refdesk-blob-types-%d", (int)getpid());
	RUN(migration_keeps_images_only_for_snapshots);
	RUN(a_file_never_retypes_a_blob);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	CHECK_EXIT();
}
