/*
 * domain.h - the live state of chats, queues and operators, and the rules
 * that decide what may happen to them.  Plain C: no sockets, no disk.
 *
 * The loop thread owns one `struct domain`.  It holds, by id:
 *   - every chat someone is following or that is not ended yet
 *     (`struct chat_live`: status, holder, followers and what each follower
 *     has been sent, and the operators it was offered to);
 *   - the queues referenced since start (`struct queue_live`: which
 *     operators are available and connected, who watches its presence);
 *   - the operators with at least one socket (`struct operator_live`).
 * The durable truth is the store; this is the part that must be decided in
 * one place, such as which of two racing operators gets a chat.  A
 * connection is an opaque `void *` here.
 *
 * Loop thread only.
 */
#ifndef REFDESK_CHAT_DOMAIN_H
#define REFDESK_CHAT_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map.h"
#include "base/types.h"
#include "share/share.h"

#define CHAT_TEXT_MAX 4000 /* characters in a message */
#define CHAT_NAME_MAX NAME_CHARS_MAX /* characters in a guest's or operator's name */

struct follower {
	void *conn;
	int64_t seq;    /* the highest seq this connection has been sent */
	bool replaying; /* catching up from the store: live events wait */
};

/*
 * A transfer waiting for an answer: the holder (or an admin, for a chat
 * whose holder is gone) hands the chat to one operator or to a queue.  The
 * sender keeps the chat until someone accepts; a decline by everyone rung,
 * or the deadline, gives it back.  The note goes to the colleague only.
 */
#define TRANSFER_NOTE_MAX 500 /* characters in a transfer's note */

struct transfer {
	bool pending;
	int64_t from_id;            /* who asked (the holder, or an admin) */
	char from_name[NAME_BYTES];
	bool sender_gone;           /* the sender left: a refusal puts it back on its queue */
	int64_t to_operator;        /* the colleague asked, or 0 for a queue */
	int64_t to_queue;           /* the queue asked, or 0 for an operator */
	int64_t *rung;              /* operators asked who have not declined */
	size_t nrung, caprung;
	int64_t deadline;           /* monotonic ms */
	int64_t accepting;          /* the operator whose accept is being committed, or 0 */
	/* A copy of a transfer another node started (ops/bus_ops.h): it rings the
	 * colleagues here and takes their accept; that node decides its end. */
	bool remote;
	char note[TRANSFER_NOTE_MAX * 4 + 1];
};

struct chat_live {
	int64_t id;
	char public_id[32];
	int64_t account_id;
	int64_t queue_id;
	enum chat_status status;
	int64_t operator_id;        /* 0 while waiting */
	char operator_name[NAME_BYTES];
	char guest_name[NAME_BYTES];       /* "" when none was given */
	int64_t created_at;
	int64_t last_seq;           /* committed */
	int64_t told_seq;           /* the highest seq this process has fanned out */
	int accepting;              /* an accept is being committed */
	unsigned pins;              /* writes in flight that point here */
	int64_t guest_gone_since;   /* monotonic ms when its last guest socket left, or 0 */
	struct follower *followers;
	size_t nfollowers, capfollowers;
	int64_t *offered;           /* operators who were offered the chat */
	size_t noffered, capoffered;
	struct share share;         /* screensharing */
	bool share_elsewhere;       /* its events say another node runs a share (ops/share_ops.c) */
	struct transfer transfer;   /* a hand-over waiting for an answer */
	/* Who took the last transfer, and who else it rang, until another starts (taken_by 0: none). */
	int64_t taken_by;
	int64_t *taken_rung;
	size_t ntaken_rung, captaken_rung;
	bool has_guest_key;         /* guest_key is set: the guest who started it */
	unsigned char guest_key[16]; /* that guest's address, keyed-hashed (blocks.h); never the address */
	/* Tidiness (chat/tidiness.h): monotonic ms of the last message from
	 * either side (or of the accept), and whether the guest was warned
	 * that the quiet chat will end. */
	int64_t quiet_since;
	bool idle_warned;
	int64_t warned_at;          /* monotonic ms of that warning: the grace counts from it */
};

struct queue_live {
	int64_t id;
	int64_t account_id;
	char name[40];
	int64_t *available;         /* connected operators marked available */
	size_t navailable, capavailable;
	int remote_available;       /* those of other nodes, as the bus last told (ops/bus_ops.c) */
	void **watchers;
	size_t nwatchers, capwatchers;
	int idle_end_mins;          /* the queue's setting, once read (idle_loaded) */
	bool idle_loaded;
};

struct operator_live {
	int64_t id;
	int64_t account_id;
	char name[NAME_BYTES];
	bool is_admin;
	/* Away: signed in but not rung; off every queue's live list until back
	 * (the queues' stored availability is kept for then).  Lasts while the
	 * operator has a socket. */
	bool away;
	/* Tidiness (chat/tidiness.h): the account's settings, read at sign-in
	 * and when an admin changes them, and when the operator last did
	 * something (monotonic ms). */
	int away_idle_mins;
	int max_chats;
	int64_t last_active;
	bool rings_held_back;       /* at the limit, a chat was not offered (or withdrawn) */
	void **conns;
	size_t nconns, capconns;
};

struct domain {
	struct map chats;     /* id -> struct chat_live */
	struct map queues;    /* id -> struct queue_live */
	struct map operators; /* id -> struct operator_live */
};

void domain_init(struct domain *d);
/* Free everything the domain holds. */
void domain_release(struct domain *d);

/* ---- chats ---- */

/* The live chat, or NULL. */
struct chat_live *domain_chat(struct domain *d, int64_t id);
/* Add a live chat copied from `init` (its arrays must be empty); returns it. */
struct chat_live *domain_chat_add(struct domain *d, const struct chat_live *init);
/* Forget the chat if it has ended, nobody follows it and no write is in flight. */
void domain_chat_maybe_forget(struct domain *d, struct chat_live *c);

/* Follow: `conn` gets events after `seq`.  Following twice keeps one entry. */
struct follower *chat_follow(struct chat_live *c, void *conn, int64_t seq);
struct follower *chat_follower(struct chat_live *c, void *conn);
void chat_unfollow(struct chat_live *c, void *conn);

/* Record that `operator_id` was offered the chat (once). */
void chat_offer(struct chat_live *c, int64_t operator_id);
bool chat_was_offered(const struct chat_live *c, int64_t operator_id);

/*
 * May `operator_id` take the chat?  First come, first served: 0 and the
 * chat is marked as being accepted (commit it, then chat_accept_done());
 * -EALREADY when someone else holds or is taking it; -ECANCELED when it
 * has ended.
 */
int chat_accept_begin(struct chat_live *c, int64_t operator_id, const char *operator_name);
/* The accept was committed (ok) or failed (back to waiting). */
void chat_accept_done(struct chat_live *c, bool ok);

/*
 * May this author write into the chat?  Guests: while it is not ended.
 * Operators: only the holder, while active.  0, -ECANCELED (ended),
 * -EPERM (not the holder), -EAGAIN (nobody has accepted it yet).
 */
int chat_may_write(const struct chat_live *c, enum event_author author, int64_t operator_id);
/*
 * May `operator_id` block the chat's guest (Block guest)?  The holder of an
 * active chat; while it waits, any operator it was offered to, so nobody
 * has to take an abusive chat to block it.  0, -ECANCELED (ended), -EPERM
 * (not the holder), -ENOTOFFERED (waiting, not offered to them), -EAGAIN
 * (an accept is being written).
 */
int chat_may_block(const struct chat_live *c, int64_t operator_id);

/* ---- a chat's life ---- */

/* A status as the wire and Chat History's filter spell it: "waiting",
 * "active" or "ended" (a static string). */
const char *chat_status_name(enum chat_status s);
/* The status `name` spells: 0, or -EINVAL for any other word. */
int chat_status_parse(const char *name, enum chat_status *out);

/*
 * A new chat's internal id (the public one is random): it grows with time,
 * so a busy server's live chats and their events sit together at the end
 * of their B-trees; and it is above *last, which it updates.  `salt` (below
 * 1,024) starts each millisecond at another place, so that processes on one
 * database making a chat in the same millisecond do not pick the same id.
 */
int64_t chat_next_id(int64_t *last, int64_t now_ms, unsigned salt);

/* The operators to ring for a new chat: those available on its queue (*n of them). */
const int64_t *domain_offer_targets(struct domain *d, const struct chat_live *c, size_t *n);

/*
 * May `operator_id` try to accept?  A waiting chat only by an operator it
 * was offered to (available on its queue when it came, or since): 0, or
 * -ENOTOFFERED.  Who wins is chat_accept_begin()'s to say.
 */
int chat_may_accept(const struct chat_live *c, int64_t operator_id);

/*
 * The chat ends (by its guest, its holder or the system): from now on
 * nothing more may be written into it.  Returns the status it had, for
 * chat_end_undo() should the end not commit.
 */
enum chat_status chat_end_begin(struct chat_live *c);
void chat_end_undo(struct chat_live *c, enum chat_status prev);
/* Does ending a chat that was `prev` withdraw its offers (chat.gone to each
 * operator it was offered to)?  Only a waiting one: a taken chat was
 * withdrawn when it was taken. */
bool chat_end_withdraws_offers(enum chat_status prev);

/* The guest's sockets: its last one left at `now_mono`, or one is back. */
void chat_guest_left(struct chat_live *c, int64_t now_mono);
void chat_guest_back(struct chat_live *c);
/* Is a waiting chat abandoned (its guest gone `grace_ms` by `now_mono`)?
 * The system then ends it, so nobody is rung for someone who left. */
bool chat_abandoned(const struct chat_live *c, int64_t now_mono, int64_t grace_ms);

/* ---- transfers ---- */

/*
 * May `operator_id` hand the chat over?  The holder of an active chat may;
 * so may an admin of its account (`is_admin`) when the holder is gone
 * (`holder_online` false).  0, -ECANCELED (ended), -EAGAIN (waiting),
 * -EPERM (not the holder), -EBUSY (a transfer already waits or the holder's
 * accept is still being committed).
 */
int chat_may_transfer(const struct chat_live *c, int64_t operator_id, bool is_admin,
		      bool holder_online);

/*
 * Start a transfer from `from_id` to the operator `to_operator` or (0) the
 * queue `to_queue`, ringing the `nrung` operators `rung` (never the sender):
 * -ENOENT when nobody is left to ring, -EINVAL when the sender would ring
 * only themself.  The caller checked chat_may_transfer().  `note` is copied
 * (the caller capped it).
 */
int chat_transfer_begin(struct chat_live *c, int64_t from_id, const char *from_name,
			int64_t to_operator, int64_t to_queue, const int64_t *rung, size_t nrung,
			const char *note, int64_t now_mono, int64_t ttl_ms);

/* Is `operator_id` being rung for the chat's transfer now? */
bool chat_transfer_rings(const struct chat_live *c, int64_t operator_id);

/*
 * `operator_id` accepts: 0, and the accept is being committed (then
 * chat_transfer_accept_done()); -ENOENT when no transfer waits, -ENOTOFFERED
 * when it was not asked (or declined), -EALREADY when a colleague's accept
 * came first.
 */
int chat_transfer_accept_begin(struct chat_live *c, int64_t operator_id);
/*
 * The accept was committed (ok: the chat is now `name`'s, on `queue_id`, and
 * the transfer is over) or failed (the transfer waits on).
 */
void chat_transfer_accept_done(struct chat_live *c, bool ok, int64_t operator_id,
			       const char *name, int64_t queue_id);

/*
 * `operator_id` declines: 0 and true in *last when nobody is left to ring
 * (the transfer is then over: chat_transfer_end()); -ENOENT, -ENOTOFFERED
 * as for accepting; -EALREADY when an accept is being committed.
 */
int chat_transfer_decline(struct chat_live *c, int64_t operator_id, bool *last);

/* Has the transfer's deadline passed (and no accept is being committed)? */
bool chat_transfer_expired(const struct chat_live *c, int64_t now_mono);

/*
 * Where a transfer that ended unanswered leaves the chat: with its holder
 * (false), or back on its queue, waiting (true), because the sender left
 * meanwhile or the holder was gone when an admin moved it.
 */
bool chat_transfer_requeues(const struct chat_live *c);

/* The transfer is over without an accept (declined, expired, withdrawn). */
void chat_transfer_end(struct chat_live *c);

/*
 * A chat that goes back to waiting: nobody holds it.  It waits on queue
 * `queue_id` (the one a transfer asked for), or where it was when 0.
 */
void chat_requeue(struct chat_live *c, int64_t queue_id);

/* ---- queues ---- */

struct queue_live *domain_queue(struct domain *d, int64_t id);
struct queue_live *domain_queue_add(struct domain *d, int64_t id, int64_t account_id,
				    const char *name);
/* Someone may be rung: a librarian available here, or on another node (remote_available). */
bool queue_is_online(const struct queue_live *q);
/* Mark a connected operator available or not; true when the queue's online state changed. */
bool queue_set_available(struct queue_live *q, int64_t operator_id, bool available);
bool queue_has_available(const struct queue_live *q, int64_t operator_id);
void queue_watch(struct queue_live *q, void *conn);
void queue_unwatch(struct queue_live *q, void *conn);

/* ---- operators ---- */

struct operator_live *domain_operator(struct domain *d, int64_t id);
/* Add a socket of an operator, creating the entry on the first one. */
struct operator_live *domain_operator_attach(struct domain *d, int64_t id, int64_t account_id,
					     const char *name, bool is_admin, void *conn);
/*
 * Remove a socket.  Returns true when it was the operator's last one: the
 * entry is then freed, and the caller must first have taken the operator
 * off every queue (queue_set_available(..., false)).
 */
bool domain_operator_detach(struct domain *d, struct operator_live *o, void *conn);

#endif
