/*
 * share_ops.c - see share_ops.h.
 *
 * The consent record: every step a person takes (invited, accepted,
 * declined, blocked, unsupported, started, stopped, snapshot, expired) is
 * an event of kind "share" in the chat's log, committed before it is
 * acknowledged, like a message.  What only sets up the connection (offer,
 * answer, ICE candidates) is passed between the two sockets of the share
 * and never stored.
 *
 * "started" means the librarian saw the screen, and only the viewer can
 * know that: it is recorded when the viewer reports its first decoded
 * frame (share.shown), not when the guest's browser offers.  A viewer that
 * cannot connect reports that instead (share.failed), and the record says
 * "failed"; so does the sweep when the viewer reports neither in time.
 */
#include "ops/share_ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"
#include "base/util.h"
#include "bus/bus.h"
#include "chat/domain.h"
#include "ops/app.h"
#include "ops/bus_ops.h"
#include "ops/client.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "ops/chat_ops.h"
#include "net/ws.h"
#include "share/ice.h"
#include "share/share.h"

static enum event_author author_of(const struct client *c)
{
	return c->kind == CLIENT_GUEST ? AUTHOR_GUEST : AUTHOR_OPERATOR;
}

static const char *side_of(const struct client *c)
{
	return c->kind == CLIENT_GUEST ? "guest" : "operator";
}

/*
 * The chat a share message names, if this socket may act on its share:
 * a guest of the chat, or the operator who holds it, while it is active.
 * Answers the refusal itself and returns NULL.
 */
static struct chat_live *share_chat(struct client *c, const char *id, const char *public_id)
{
	struct chat_live *chat = chat_ops_resolve(c, public_id);
	int rc;

	if (!chat) {
		client_refuse(c, id, -ENOENT, "No such chat.");
		return NULL;
	}
	rc = chat_may_write(chat, author_of(c), c->op ? c->op->id : 0);
	if (rc == 0)
		rc = share_chat_allows(chat->status);
	if (rc < 0) {
		client_refuse(c, id, rc, NULL);
		chat_ops_forget(c->app, chat);
		return NULL;
	}
	return chat;
}

/* Does the message name the current share?  Answers the refusal itself. */
static bool this_share(struct client *c, const char *id, const struct chat_live *chat,
		       json_int_t number)
{
	if (share_busy(&chat->share) && number == (json_int_t)chat->share.number)
		return true;
	client_error(c, id, "no_share", "That screensharing session is over or never began.");
	return false;
}

/* Write one step of the consent record. */
static void step(struct app *app, struct client *c, const char *id, struct chat_live *chat,
		 enum event_author author, json_t *body, json_t *reply)
{
	json_object_set_new(body, "share", json_integer(chat->share.number));
	if (c && !reply)
		reply = json_pack("{s:I}", "share", (json_int_t)chat->share.number);
	chat_ops_step(app, c, id, chat, author, "share", body, reply);
}

/* Stop a share for `why`, by `by` ("guest", "operator" or "system"). */
static void stop(struct app *app, struct client *c, const char *id, struct chat_live *chat,
		 const char *by, const char *why)
{
	enum event_author author = !strcmp(by, "guest") ? AUTHOR_GUEST :
				   !strcmp(by, "operator") ? AUTHOR_OPERATOR : AUTHOR_SYSTEM;
	bool invited = chat->share.state == SHARE_INVITED;

	step(app, c, id, chat, author,
	     json_pack("{s:s, s:s, s:s*}", "step", invited ? "withdrawn" : "stopped",
		       "by", by, "reason", why), NULL);
	share_reset(&chat->share);
}

static void share_ops_sweep(struct app *app, struct chat_live *chat, int64_t now_mono);

/* ---- ICE servers ---------------------------------------------------------------- */

/* What a browser needs to connect: {"servers": [RTCIceServer…], "policy": "all"|"relay"}. */
static json_t *ice_config(struct app *app, const char *name)
{
	const struct app_config *cfg = app->cfg;
	json_t *servers = json_array(), *urls;
	char user[ICE_USER_MAX], pass[ICE_PASS_MAX];
	int i;

	if (cfg->nstun_urls) {
		urls = json_array();
		for (i = 0; i < cfg->nstun_urls; i++)
			json_array_append_new(urls, json_string(cfg->stun_urls[i]));
		json_array_append_new(servers, json_pack("{s:o}", "urls", urls));
	}
	if (cfg->nturn_urls && cfg->turn_secret &&
	    ice_turn_credential(cfg->turn_secret, time_now_ms() / 1000 + cfg->turn_ttl, name,
				user, pass) == 0) {
		urls = json_array();
		for (i = 0; i < cfg->nturn_urls; i++)
			json_array_append_new(urls, json_string(cfg->turn_urls[i]));
		json_array_append_new(servers, json_pack("{s:o, s:s, s:s}", "urls", urls,
							 "username", user, "credential", pass));
	}
	return json_pack("{s:o, s:s}", "servers", servers, "policy", cfg->ice_relay ? "relay" : "all");
}

/* The operator's: the viewer may gather its relay candidates while the guest decides. */
static json_t *operator_ice(struct app *app, struct client *c)
{
	char name[48];

	snprintf(name, sizeof(name), "o-%lld", (long long)c->op->id);
	return ice_config(app, name);
}

/* ---- handlers ---------------------------------------------------------------------- */

static void h_invite(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *text;
	struct app *app = c->app;
	struct chat_live *chat;
	json_error_t err;
	json_t *invited;
	size_t len;
	int stock = 0;
	int64_t ttl = (int64_t)app->cfg->share_invite_secs * 1000;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:s, s?b}", "type", &type,
			   "id", &mid, "chat", &public_id, "text", &text, "stock", &stock)) {
		client_bad_fields(c, id, &err);
		return;
	}
	len = text_trim(text, &text);
	/*
	 * Stock is the built-in wording, whatever words came with it: the
	 * guest reads it from their own catalogue, so the record must hold it
	 * too, and no other text can pass for it.
	 */
	if (stock && len) {
		text = SHARE_DEFAULT_INVITE;
		len = strlen(text);
	}
	if (!len) {
		client_error(c, id, "bad_message", "The invitation needs a few words for the guest.");
		return;
	}
	if (utf8_count(text, len) > SHARE_TEXT_MAX) {
		client_error(c, id, "too_long", "An invitation has at most 500 characters.");
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat)
		return;
	/* A share that ran out is recorded as such before a new one replaces it. */
	share_ops_sweep(app, chat, time_mono_ms());
	if (!client_find_follow(c, public_id)) {
		client_error(c, id, "bad_message", "Follow the chat (chat.join) before inviting.");
		return;
	}
	if (share_invite(&chat->share, c->op->id, c, time_mono_ms(), ttl) < 0) {
		client_error(c, id, "share_busy",
			   "The guest is already sharing their screen (or about to); stop that first.");
		return;
	}
	invited = json_pack("{s:s, s:s%, s:I}", "step", "invited", "text", text, len,
			    "expires_at", (json_int_t)(time_now_ms() + ttl));
	if (stock)
		json_object_set_new(invited, "stock", json_true());
	step(app, c, id, chat, AUTHOR_OPERATOR, invited,
	     json_pack("{s:I, s:o}", "share", (json_int_t)chat->share.number,
		       "ice", operator_ice(app, c)));
}

/* What a guest's browser may say about an invitation, and the step it records. */
static const struct {
	const char *answer;
	const char *step;
} answers[] = {
	{ "accept", "accepted" },
	{ "decline", "declined" },
	{ "blocked", "blocked" },          /* a pop-up blocker stopped the consent window */
	{ "unsupported", "unsupported" },  /* this browser cannot share a screen */
};

static void h_reply(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *answer, *reason = NULL, *what = NULL;
	struct app *app = c->app;
	struct chat_live *chat;
	json_int_t number;
	json_error_t err;
	char name[48];
	size_t i;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I, s:s, s?s}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number, "answer", &answer,
			   "reason", &reason)) {
		client_bad_fields(c, id, &err);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(answers) && !what; i++)
		if (!strcmp(answer, answers[i].answer))
			what = answers[i].step;
	if (!what || (reason && !str_is_token(reason, 32, "_"))) {
		client_error(c, id, "bad_message",
			   "\"answer\" is accept, decline, blocked or unsupported; \"reason\" a short word.");
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat)
		return;
	if (chat->share.state != SHARE_INVITED || number != (json_int_t)chat->share.number) {
		client_error(c, id, "no_invitation", "There is no invitation to answer.");
		return;
	}
	if (share_expired(&chat->share, time_mono_ms())) {
		client_error(c, id, "invitation_expired",
			   "The invitation has expired; the librarian can invite you again.");
		return;
	}
	/* Declined, blocked or impossible: back to idle, and the holder may invite again. */
	share_reply(&chat->share, c, !strcmp(what, "accepted"), time_mono_ms());
	snprintf(name, sizeof(name), "g-%s", chat->public_id);
	step(app, c, id, chat, AUTHOR_GUEST,
	     json_pack("{s:s, s:s*}", "step", what, "reason", reason),
	     chat->share.state == SHARE_ACCEPTED ?
		json_pack("{s:I, s:o}", "share", (json_int_t)chat->share.number,
			  "ice", ice_config(app, name)) : NULL);
}

/* Offer (guest) or answer (operator): checked, then passed to the other side. */
static void h_sdp(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *sdp, *why;
	bool offer = c->kind == CLIENT_GUEST;
	struct app *app = c->app;
	struct chat_live *chat;
	struct client *to;
	json_int_t number;
	json_error_t err;
	size_t len;
	char name[48];
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I, s:s%}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number, "sdp", &sdp, &len)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat)
		return;
	if (strcmp(type, offer ? "share.offer" : "share.answer")) {
		client_error(c, id, "not_sharer", offer ?
			   "Guests offer their screen; only the operator answers." :
			   "Only the guest's browser offers a screen; operators answer.");
		return;
	}
	if (!this_share(c, id, chat, number))
		return;
	why = offer ? share_check_offer(sdp, len, app->cfg->ice_relay) :
		      share_check_answer(sdp, len, app->cfg->ice_relay);
	if (why) {
		client_error(c, id, "bad_sdp", why);
		return;
	}
	rc = offer ? share_offer(&chat->share, c, time_mono_ms(),
						  (int64_t)app->cfg->share_frame_secs * 1000) : share_answer(&chat->share, c);
	if (rc < 0) {
		client_error(c, id, rc == -EPERM ? "not_sharer" : "no_share", rc == -EPERM ?
			   "This connection is not part of the screensharing session." :
			   offer ? "The guest has not accepted an invitation." :
				   "There is no offer to answer.");
		return;
	}
	to = offer ? chat->share.operator_conn : chat->share.guest_conn;
	if (offer) {
		snprintf(name, sizeof(name), "o-%lld", (long long)chat->share.operator_id);
		client_send_json(to, json_pack("{s:s, s:s, s:I, s:s%, s:o}", "type", "share.offer",
					     "chat", chat->public_id, "share", number, "sdp", sdp, len,
					     "ice", ice_config(app, name)));
	} else {
		client_send_json(to, json_pack("{s:s, s:s, s:I, s:s%}", "type", "share.answer",
					     "chat", chat->public_id, "share", number, "sdp", sdp, len));
	}
	client_send_json(c, json_pack("{s:s, s:s}", "type", "ok", "id", id));
}

static void h_ice(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *cand, *mid_name = NULL, *why;
	char clean[SHARE_CANDIDATE_MAX + 16];
	json_int_t number, mline = -1;
	struct chat_live *chat;
	struct client *to;
	json_error_t err;
	size_t len;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I, s:s%, s?s, s?I}",
			   "type", &type, "id", &mid, "chat", &public_id, "share", &number,
			   "candidate", &cand, &len, "mid", &mid_name, "mline", &mline)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if ((mid_name && strlen(mid_name) > 32) || mline < -1 || mline > 16) {
		client_error(c, id, "bad_candidate", "\"mid\" or \"mline\" is out of range.");
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat || !this_share(c, id, chat, number))
		return;
	to = share_peer(&chat->share, c);
	if (!to) {
		client_error(c, id, "not_sharer",
			   "This connection is not part of the screensharing session, or it has no offer yet.");
		return;
	}
	why = share_check_candidate(cand, len, c->app->cfg->ice_relay);
	if (why) {
		client_error(c, id, "bad_candidate", why);
		return;
	}
	len = share_clean_candidate(cand, len, clean);
	client_send_json(to, json_pack("{s:s, s:s, s:I, s:s%, s:s?, s:o}", "type", "share.ice",
				     "chat", chat->public_id, "share", number, "candidate", clean, len,
				     "mid", mid_name, "mline",
				     mline >= 0 ? json_integer(mline) : json_null()));
}

static void h_stop(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *reason = NULL;
	struct chat_live *chat;
	json_int_t number = -1;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s?I, s?s}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number, "reason", &reason)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (reason && !str_is_token(reason, 32, "_")) {
		client_error(c, id, "bad_message", "\"reason\" is a short word.");
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat)
		return;
	if (!share_busy(&chat->share) ||
	    (number >= 0 && number != (json_int_t)chat->share.number)) {
		client_error(c, id, "no_share", "Nothing is being shared.");
		return;
	}
	if (share_stop_declines(&chat->share, c->kind == CLIENT_GUEST)) {
		share_reset(&chat->share);
		step(c->app, c, id, chat, AUTHOR_GUEST, json_pack("{s:s}", "step", "declined"), NULL);
		return;
	}
	stop(c->app, c, id, chat, side_of(c), reason);
}

/* The viewer's word on the guest's screen: a frame arrived, or none can. */
static const char *const fail_reasons[] = {
	"relay_refused", /* the TURN relay refused the credentials */
	"ice_failed",    /* no path between the two browsers, or the relay unreachable */
	"no_frame",      /* connected or not, no picture arrived in time */
};

static bool is_fail_reason(const char *reason)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fail_reasons); i++)
		if (!strcmp(reason, fail_reasons[i]))
			return true;
	return false;
}

/* Why share_show() or share_fail() refused, on the wire. */
static void viewer_refused(struct client *c, const char *id, int rc)
{
	if (rc == -EPERM)
		client_error(c, id, "not_sharer", "Only the viewer that invited can say what it shows.");
	else
		client_error(c, id, "no_share", "The guest's screen is not on its way to this viewer yet.");
}

static void h_shown(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id;
	struct chat_live *chat;
	json_int_t number;
	json_error_t err;
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat || !this_share(c, id, chat, number))
		return;
	rc = share_show(&chat->share, c);
	if (rc == -EALREADY) {
		client_send_json(c, json_pack("{s:s, s:s, s:I}", "type", "ok", "id", id, "share", number));
		return;
	}
	if (rc < 0) {
		viewer_refused(c, id, rc);
		return;
	}
	/* The guest's act, seen by the librarian: the guest started sharing. */
	step(c->app, c, id, chat, AUTHOR_GUEST, json_pack("{s:s}", "step", "started"), NULL);
}

static void h_failed(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id, *reason;
	struct chat_live *chat;
	json_int_t number;
	json_error_t err;
	int rc;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I, s:s}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number, "reason", &reason)) {
		client_bad_fields(c, id, &err);
		return;
	}
	if (!is_fail_reason(reason)) {
		client_error(c, id, "bad_message",
			   "\"reason\" is relay_refused, ice_failed or no_frame.");
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat || !this_share(c, id, chat, number))
		return;
	rc = share_fail(&chat->share, c);
	if (rc == -EALREADY) {
		/* The screen was seen, then the connection broke: that is a stop. */
		stop(c->app, c, id, chat, "operator", "connection_failed");
		return;
	}
	if (rc < 0) {
		viewer_refused(c, id, rc);
		return;
	}
	step(c->app, c, id, chat, AUTHOR_OPERATOR,
	     json_pack("{s:s, s:s, s:s}", "step", "failed", "by", "operator", "reason", reason), NULL);
	share_reset(&chat->share);
}

static void h_snapshot(void *user, const char *id, json_t *msg)
{
	struct client *c = user;
	const char *type, *mid, *public_id;
	struct chat_live *chat;
	json_int_t number;
	json_error_t err;

	if (json_unpack_ex(msg, &err, JSON_STRICT, "{s:s, s:s, s:s, s:I}", "type", &type,
			   "id", &mid, "chat", &public_id, "share", &number)) {
		client_bad_fields(c, id, &err);
		return;
	}
	chat = share_chat(c, id, public_id);
	if (!chat || !this_share(c, id, chat, number))
		return;
	if (c != chat->share.operator_conn) {
		client_error(c, id, "not_sharer", "Snapshots come from the screen being viewed here.");
		return;
	}
	if (!chat->share.shown) {
		client_error(c, id, "no_share", "No frame of the guest's screen has been shown yet.");
		return;
	}
	step(c->app, c, id, chat, AUTHOR_OPERATOR, json_pack("{s:s}", "step", "snapshot"), NULL);
}

#define GUEST (1u << CLIENT_GUEST)
#define OPERATOR (1u << CLIENT_OPERATOR)

/* ---- a share in another node ------------------------------------------------------------ */

/* What a guest's browser says about a share, and the handler it reaches where the share runs. */
static const struct ws_message guest_says[] = {
	{ "share.reply", GUEST, h_reply },
	{ "share.offer", GUEST, h_sdp },
	{ "share.answer", GUEST, h_sdp },
	{ "share.ice", GUEST, h_ice },
	{ "share.stop", GUEST, h_stop },
};

/*
 * A guest's share message, on the guest's node: when the chat's events say
 * a share runs in another node and none runs here, it goes there (the
 * answer comes back by "share.to").  True when it went.
 */
static bool forwarded(struct client *c, json_t *msg)
{
	struct app *app = c->app;
	const char *public_id = json_string_value(json_object_get(msg, "chat"));
	struct client_follow *f = public_id ? client_find_follow(c, public_id) : NULL;
	struct chat_live *chat = f ? f->chat : NULL;

	if (!app->bus || c->kind != CLIENT_GUEST || !chat || !chat->share_elsewhere ||
	    share_busy(&chat->share))
		return false;
	c->share_forwarded = true;
	bus_ops_tell(app, json_pack("{s:s, s:I, s:s, s:I, s:O}", "k", "share.fwd",
				    "chat", (json_int_t)chat->id, "node", bus_node(app->bus),
				    "conn", (json_int_t)c->serial, "msg", msg));
	return true;
}

#define GUEST_SIDE(name, fn)                                              \
	static void name(void *user, const char *id, json_t *msg)         \
	{                                                                 \
		if (!forwarded(user, msg))                                \
			fn(user, id, msg);                                \
	}
GUEST_SIDE(g_reply, h_reply)
GUEST_SIDE(g_sdp, h_sdp)
GUEST_SIDE(g_ice, h_ice)
GUEST_SIDE(g_stop, h_stop)

const struct ws_message share_messages[] = {
	{ "share.invite", OPERATOR, h_invite },
	{ "share.reply", GUEST, g_reply },
	{ "share.offer", GUEST | OPERATOR, g_sdp },
	{ "share.answer", GUEST | OPERATOR, g_sdp },
	{ "share.ice", GUEST | OPERATOR, g_ice },
	{ "share.stop", GUEST | OPERATOR, g_stop },
	{ "share.shown", OPERATOR, h_shown },
	{ "share.failed", OPERATOR, h_failed },
	{ "share.snapshot", OPERATOR, h_snapshot },
};
const size_t share_nmessages = ARRAY_SIZE(share_messages);

void share_ops_heard_step(struct chat_live *chat, const char *body)
{
	static const char *const over[] = { "\"declined\"", "\"blocked\"", "\"unsupported\"",
					    "\"stopped\"", "\"withdrawn\"", "\"expired\"",
					    "\"failed\"" };
	const char *step = strstr(body, "\"step\":");
	size_t i;

	if (!step)
		return;
	step += strlen("\"step\":");
	if (!strncmp(step, "\"invited\"", 9)) {
		chat->share_elsewhere = true;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(over); i++)
		if (!strncmp(step, over[i], strlen(over[i])))
			chat->share_elsewhere = false;
}

/*
 * The stand-in, in the node where the share runs, for a guest's socket on
 * another node: what the share sends it goes back over the bus.
 */
struct remote_guest {
	struct client cl;
	char node[BUS_NODE_LEN + 1];
	uint64_t serial;          /* the socket's number on its node */
	struct chat_live *chat;   /* pinned while the stand-in lives */
	int64_t last_used;        /* monotonic ms */
};

#define REMOTE_GUEST_IDLE_MS 60000

static uint64_t remote_key(const char *node, uint64_t serial)
{
	return (strtoull(node, NULL, 16) ^ (serial * 0x9e3779b97f4a7c15ull)) | 1;
}

static void remote_send(struct client *cl, const char *text, size_t len)
{
	struct remote_guest *r = container_of(cl, struct remote_guest, cl);

	bus_ops_tell(cl->app, json_pack("{s:s, s:s, s:I, s:s%}", "k", "share.to", "node", r->node,
					"conn", (json_int_t)r->serial, "frame", text, len));
}

static void remote_close(struct client *cl, enum client_close why)
{
	(void)cl;
	(void)why;
}

static bool remote_alive(const struct client *cl)
{
	(void)cl;
	return true;
}

static unsigned remote_backlog(const struct client *cl)
{
	(void)cl;
	return 0;
}

static void remote_release(struct client *cl)
{
	struct remote_guest *r = container_of(cl, struct remote_guest, cl);
	struct app *app = cl->app;

	r->chat->pins--;
	domain_chat_maybe_forget(&app->dom, r->chat);
	free(r);
}

static const struct client_ops remote_guest_ops = {
	.send = remote_send,
	.close = remote_close,
	.alive = remote_alive,
	.backlog = remote_backlog,
	.release = remote_release,
};

static struct remote_guest *remote_guest_of(struct app *app, const char *node, uint64_t serial,
					    struct chat_live *chat)
{
	uint64_t key = remote_key(node, serial);
	struct remote_guest *r = map_get(&app->share_guests, key);

	if (r && (r->serial != serial || strcmp(r->node, node) || r->chat != chat))
		return NULL; /* another socket's number, or another chat: not this one */
	if (r)
		return r;
	r = xcalloc(1, sizeof(*r));
	r->cl.ops = &remote_guest_ops;
	r->cl.kind = CLIENT_GUEST;
	r->cl.stand_in = true;
	snprintf(r->node, sizeof(r->node), "%s", node);
	r->serial = serial;
	r->chat = chat;
	chat->pins++;
	client_attach(app, &r->cl);
	/* It may act on the chat's share (chat_ops_resolve()); events reach it on its own node. */
	client_add_follow(&r->cl, chat, true);
	map_put(&app->share_guests, key, r);
	return r;
}

static void remote_guest_drop(struct app *app, struct remote_guest *r)
{
	map_del(&app->share_guests, remote_key(r->node, r->serial));
	client_detach(&r->cl); /* a share it was part of stops: the guest left */
}

/* A guest's message from another node, in the node where the share runs. */
static void heard_forwarded(struct app *app, json_t *obj)
{
	json_int_t chat_id = json_integer_value(json_object_get(obj, "chat"));
	json_int_t serial = json_integer_value(json_object_get(obj, "conn"));
	const char *node = json_string_value(json_object_get(obj, "node"));
	json_t *msg = json_object_get(obj, "msg");
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *id = json_string_value(json_object_get(msg, "id"));
	struct chat_live *chat = domain_chat(&app->dom, chat_id);
	struct remote_guest *r;
	size_t i;

	if (!chat || !share_busy(&chat->share) || !node || strlen(node) != BUS_NODE_LEN ||
	    serial <= 0 || !type || !id || strlen(id) > WS_ID_MAX)
		return; /* the share does not run here */
	for (i = 0; i < ARRAY_SIZE(guest_says) && strcmp(guest_says[i].type, type); i++)
		;
	if (i == ARRAY_SIZE(guest_says))
		return;
	r = remote_guest_of(app, node, (uint64_t)serial, chat);
	if (!r)
		return;
	r->last_used = time_mono_ms();
	guest_says[i].fn(&r->cl, id, msg);
}

void share_ops_heard(struct app *app, const char *kind, json_t *obj)
{
	const char *node = json_string_value(json_object_get(obj, "node"));
	json_int_t serial = json_integer_value(json_object_get(obj, "conn"));
	struct remote_guest *r;
	struct client *c;
	const char *frame;

	if (!node || serial <= 0)
		return;
	if (!strcmp(kind, "share.fwd")) {
		heard_forwarded(app, obj);
	} else if (!strcmp(kind, "share.to")) {
		/* To one of this node's sockets: the share's answer, the librarian's side. */
		frame = json_string_value(json_object_get(obj, "frame"));
		if (!app->bus || strcmp(node, bus_node(app->bus)) || !frame)
			return;
		c = client_by_serial(app, (uint64_t)serial);
		if (c && c->kind == CLIENT_GUEST && c->share_forwarded)
			client_send_text(c, frame, strlen(frame));
	} else if (!strcmp(kind, "share.gone")) {
		r = map_get(&app->share_guests, remote_key(node, (uint64_t)serial));
		if (r && r->serial == (uint64_t)serial && !strcmp(r->node, node))
			remote_guest_drop(app, r);
	}
}

void share_ops_bus_stop(struct app *app)
{
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->share_guests, &i, &key, &v))
		remote_guest_drop(app, v);
	map_release(&app->share_guests);
}

void share_ops_bus_sweep(struct app *app)
{
	int64_t now = time_mono_ms();
	size_t i = 0;
	uint64_t key;
	void *v;

	while (map_next(&app->share_guests, &i, &key, &v)) {
		struct remote_guest *r = v;

		if (r->chat->share.guest_conn != &r->cl && now - r->last_used > REMOTE_GUEST_IDLE_MS)
			remote_guest_drop(app, r);
	}
}

/* ---- the share ends with its people ------------------------------------------------------ */

static void share_ops_conn_closed(struct app *app, struct client *c, struct chat_live *chat)
{
	struct share *s = &chat->share;

	if (c->share_forwarded && app->bus && chat->share_elsewhere)
		bus_ops_tell(app, json_pack("{s:s, s:s, s:I}", "k", "share.gone",
					    "node", bus_node(app->bus), "conn", (json_int_t)c->serial));

	if (!share_busy(s) || (c != s->guest_conn && c != s->operator_conn))
		return;
	if (share_chat_allows(chat->status) < 0)
		share_reset(s); /* nothing more is recorded, and nothing points at the client */
	else
		stop(app, NULL, NULL, chat, c == s->guest_conn ? "guest" : "operator", "left");
}

static void share_ops_chat_ending(struct app *app, struct chat_live *chat, const char *by)
{
	if (share_busy(&chat->share))
		stop(app, NULL, NULL, chat, by, "chat_ended");
}

static void share_ops_chat_transferring(struct app *app, struct chat_live *chat)
{
	if (share_busy(&chat->share))
		stop(app, NULL, NULL, chat, "system", "transferred");
}

static void share_ops_sweep(struct app *app, struct chat_live *chat, int64_t now_mono)
{
	const char *what = share_expiry_step(&chat->share);
	json_t *body;

	if (!share_expired(&chat->share, now_mono) || share_chat_allows(chat->status) < 0)
		return;
	if (!strcmp(what, "expired"))
		body = json_pack("{s:s}", "step", what);
	else if (!strcmp(what, "stopped"))
		body = json_pack("{s:s, s:s}", "step", what, "by", "system");
	else
		body = json_pack("{s:s, s:s, s:s}", "step", what, "by", "system",
				 "reason", "no_frame");
	step(app, NULL, NULL, chat, AUTHOR_SYSTEM, body, NULL);
	share_reset(&chat->share);
}

const struct chat_ops_listener share_ops_listener = {
	.client_left = share_ops_conn_closed,
	.ending = share_ops_chat_ending,
	.tick = share_ops_sweep,
	.transferring = share_ops_chat_transferring,
};
