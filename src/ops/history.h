/*
 * history.h - Chat History and the chat management page (PROTOCOL.md
 * §2.7): the list and search of an account's chats, one chat's transcript
 * for reading and for download, deleting a transcript, and the pages of
 * Chat History, a chat's management and its sharing tool.
 *
 * Every handler first checks the session, then finds the chat within the
 * caller's account only: another account's chat answers 404 exactly like a
 * missing one.  Loop thread only.
 */
#ifndef REFDESK_OPS_HISTORY_H
#define REFDESK_OPS_HISTORY_H

#include <jansson.h>
#include <stddef.h>

#include "ops/api.h"
#include "store/store.h"

struct app;

/*
 * A downloadable transcript (transcript_export.c) of chat `chat` (the
 * summary history answers) and `events` (their wire form), both borrowed.
 * Returns a new buffer you own, its length in *len.  The HTML is one
 * self-contained file: styles inline, snapshot thumbnails as data: URIs
 * read from the blob files under `data_dir`, every text escaped, no script.
 * An unnamed guest's events get the chat's "label" as their "name" (the
 * events are changed in place).
 */
char *transcript_html(const char *data_dir, json_t *chat, json_t *events, size_t *len);
char *transcript_text(json_t *chat, json_t *events, size_t *len);

/*
 * Chat `row`'s transcript as plain text from its stored events, as Download
 * transcript makes it (Email transcript's body).  A new buffer you own, or
 * NULL when the store failed.
 */
char *history_chat_text(struct app *app, const struct store_chat *row, size_t *len);

#endif
