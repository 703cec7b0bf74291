/*
 * types.h - small value types shared by modules that may not include one
 * another (chat/ and store/ both speak of a chat's status).
 */
#ifndef REFDESK_BASE_TYPES_H
#define REFDESK_BASE_TYPES_H

enum chat_status { CHAT_WAITING = 0, CHAT_ACTIVE = 1, CHAT_ENDED = 2 };

/*
 * A display name (a guest's or an operator's, a queue's title) has at most
 * NAME_CHARS_MAX characters; NAME_BYTES holds that many of UTF-8 and the NUL.
 * The same for a screensharing invitation.  chat/, share/ and store/ size
 * their buffers from these.
 */
#define NAME_CHARS_MAX 80
#define NAME_BYTES (NAME_CHARS_MAX * 4 + 4)
#define INVITE_CHARS_MAX 500
#define INVITE_BYTES (INVITE_CHARS_MAX * 4 + 4)
enum event_author { AUTHOR_SYSTEM = 0, AUTHOR_GUEST = 1, AUTHOR_OPERATOR = 2 };

/*
 * refdesk's own refusal codes, used negated beside the errno ones (-ENOENT,
 * -EPERM...) that the rules return; ops/errors.h says how each reads on
 * the wire.  Far above any errno value.
 */
#define ENOTOFFERED 4096 /* the chat was not offered to this operator */

#endif
