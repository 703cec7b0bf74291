/*
 * access.c - see access.h.
 */
#include "chat/access.h"

#include <errno.h>
#include <string.h>

int chat_may_see(const struct chat_seal *chat, const struct chat_viewer *v)
{
	unsigned char hash[AUTH_HASH_BYTES];

	switch (v->kind) {
	case VIEWER_GUEST:
		if (!v->secret || !chat->token_hash)
			return -ENOENT;
		auth_token_hash(hash, v->secret);
		return auth_secret_equal_bytes(hash, chat->token_hash, sizeof(hash)) ? 0 : -ENOENT;
	case VIEWER_OPERATOR:
		return v->account_id && v->account_id == chat->account_id ? 0 : -ENOENT;
	case VIEWER_MANAGER:
		if (!v->account_id || v->account_id != chat->account_id || !v->secret ||
		    !chat->manage_token || strlen(v->secret) != strlen(chat->manage_token) ||
		    !auth_secret_equal(v->secret, chat->manage_token))
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}
