/*
 * access.h - who may see a chat: the one rule behind every door (a guest's
 * socket, an operator's socket, the HTTP routes, the management link).
 *
 *   - a guest, by the chat's token (the chat stores only its hash);
 *   - an operator, when the chat belongs to their account;
 *   - the management link, when the operator's account owns the chat and
 *     the link's token is the chat's.
 * Anyone else is told "not found", exactly as for a chat that does not
 * exist.  Plain C, no sockets, no disk.
 */
#ifndef REFDESK_CHAT_ACCESS_H
#define REFDESK_CHAT_ACCESS_H

#include <stdint.h>

#include "auth/auth.h"

/* What a chat's stored row says about who may see it. */
struct chat_seal {
	int64_t account_id;
	const unsigned char *token_hash;  /* AUTH_HASH_BYTES */
	const char *manage_token;         /* NULL when the caller has none to check */
};

enum chat_viewer_kind { VIEWER_GUEST, VIEWER_OPERATOR, VIEWER_MANAGER };

struct chat_viewer {
	enum chat_viewer_kind kind;
	int64_t account_id;   /* operators and managers: their account */
	const char *secret;   /* guests: the chat token; managers: the link's token */
};

/* 0 when `v` may see the chat, else -ENOENT. */
int chat_may_see(const struct chat_seal *chat, const struct chat_viewer *v);

#endif
