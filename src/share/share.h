/*
 * share.h - the rules of screensharing, as a state machine per chat.
 *
 * A share is view-only WebRTC from the guest's browser to the operator's.
 * The server carries its signaling and decides, here, what may be said
 * when: the operator who holds the chat invites; the guest accepts or
 * declines; only the guest's browser offers, only that operator's viewer
 * answers, and its answer may not send media back; one share per chat;
 * invitations expire.  The SDP and ICE checks are here too, so the rules
 * live in one place and are unit-tested without sockets.
 *
 * Plain C; a connection is an opaque `void *`.  Loop thread only.
 */
#ifndef REFDESK_SHARE_SHARE_H
#define REFDESK_SHARE_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/types.h"

#define SHARE_TEXT_MAX INVITE_CHARS_MAX /* characters in an invitation (base/types.h) */
#define SHARE_SDP_MAX 16384       /* bytes in an offer or answer */
#define SHARE_CANDIDATE_MAX 512   /* bytes in one ICE candidate line */
#define SHARE_CONSENT_MS 120000   /* an accepting guest has this long to pick a screen */
/*
 * From the guest's offer, how long the viewer has by default to report
 * the first frame (or the failure) before the server gives up on its own
 * (--share-frame-secs).  The viewer gives up sooner (web/share/
 * screen_view.js); this catches a viewer that went silent.
 */
#define SHARE_FRAME_MS 60000
/* The invitation's words where the queue has none of its own. */
#define SHARE_DEFAULT_INVITE "May I see your screen? I will only be able to look, not click or " \
	"type, and you can stop sharing at any time."

enum share_state {
	SHARE_IDLE,     /* nothing going on: the holder may invite */
	SHARE_INVITED,  /* the guest has an invitation, until it expires */
	SHARE_ACCEPTED, /* the guest said yes; their browser asks them what to share */
	SHARE_OFFERED,  /* the guest's browser offered its screen */
	SHARE_LIVE,     /* the operator's viewer answered: the screen flows, or should */
};

struct share {
	enum share_state state;
	unsigned number;       /* shares in this chat so far; names the current one */
	int64_t operator_id;   /* who invited */
	int64_t expires_ms;    /* monotonic; while INVITED or ACCEPTED, and from the
				  offer until a frame is shown */
	void *operator_conn;   /* the viewer that invited (the sharing tool) */
	void *guest_conn;      /* from ACCEPTED: the guest socket that shares */
	bool shown;            /* the viewer said a frame arrived ("started" is recorded) */
};

/* Anything but idle: invited, being set up, or live. */
static inline bool share_busy(const struct share *s)
{
	return s->state != SHARE_IDLE;
}

/*
 * The operator who holds the chat invites from `conn`.  An unanswered
 * invitation is replaced (a new number); -EBUSY once the guest has
 * accepted or the share is live.
 */
int share_invite(struct share *s, int64_t operator_id, void *conn, int64_t now_ms,
		 int64_t ttl_ms);

/*
 * The guest answers the invitation from `conn`: accept (the socket that
 * will share) or not.  -ENOENT without an invitation, -ETIMEDOUT when it
 * has expired (the share is then idle again).
 */
int share_reply(struct share *s, void *conn, bool accept, int64_t now_ms);

/*
 * The guest's browser offers: only from the accepting socket. -EPERM,
 * -ENOENT.  The first offer gives the viewer `frame_ms` from `now_ms` to
 * show a frame.
 */
int share_offer(struct share *s, void *conn, int64_t now_ms, int64_t frame_ms);
/* The viewer answers an offer: only the inviting socket. -EPERM, -ENOENT. */
int share_answer(struct share *s, void *conn);
/*
 * The viewer (`conn`) says the guest's first frame arrived: only the
 * inviting socket (-EPERM), only once it has answered (-ENOENT).  Returns
 * 0 the first time, when the share has truly started, and -EALREADY after.
 * Only the viewer can know this, so nothing the guest says can set it.
 */
int share_show(struct share *s, void *conn);
/*
 * The viewer (`conn`) says the guest's screen cannot be shown: only the
 * inviting socket (-EPERM), only once the guest accepted (-ENOENT).
 * Returns 0 when nothing had been shown (a failed share), -EALREADY when a
 * frame had been (the connection broke later: a stop).  The caller records
 * it and resets.
 */
int share_fail(struct share *s, void *conn);
/*
 * Where an ICE candidate from `conn` goes: the other side's connection, or
 * NULL when `conn` is not part of a share that has been offered.
 */
void *share_peer(const struct share *s, void *conn);

/*
 * Has an invitation, a pending acceptance, or the wait for the first frame
 * run out?
 */
bool share_expired(const struct share *s, int64_t now_ms);
/*
 * What an expired share records as its last step: "expired" (an invitation
 * nobody answered), "stopped" (accepted, but no screen was ever chosen) or
 * "failed" (offered, and the viewer never showed a frame).
 */
const char *share_expiry_step(const struct share *s);

/*
 * May screensharing happen in a chat that is `status`?  Only while it is
 * active (a guest consents to the librarian who holds it): 0, or
 * -ECANCELED (ended) or -EAGAIN (nobody has accepted it yet).
 */
int share_chat_allows(enum chat_status status);

/* Is a stop from the guest (by_guest) a decline?  While only invited, yes:
 * there is nothing to stop, and the invitation is answered. */
bool share_stop_declines(const struct share *s, bool by_guest);
/* Back to idle (the number stays). */
void share_reset(struct share *s);

/*
 * SDP rules.  Each returns NULL when `sdp` may pass, or a sentence saying
 * why not.  The guest's offer carries only video the guest sends
 * (sendonly or inactive); the operator's answer only receives (recvonly or
 * inactive — no direction means sendrecv and is refused).  Neither may
 * open data channels or audio.  With `relay_only`, every candidate written
 * into the SDP must be a relayed one.
 */
const char *share_check_offer(const char *sdp, size_t len, bool relay_only);
const char *share_check_answer(const char *sdp, size_t len, bool relay_only);
/* One trickled candidate ("candidate:…"; "" ends the candidates). */
const char *share_check_candidate(const char *cand, size_t len, bool relay_only);
/*
 * A checked candidate as it is passed on: a related address (raddr/rport,
 * which for a relayed candidate is the sender's own address as the TURN
 * server saw it) becomes 0.0.0.0 port 0.  `out` holds SHARE_CANDIDATE_MAX
 * + 16 bytes; returns the length written.
 */
size_t share_clean_candidate(const char *cand, size_t len, char *out);

#endif
