/*
 * share.c - see share.h.
 */
#include "share/share.h"

#include <errno.h>
#include <string.h>

int share_invite(struct share *s, int64_t operator_id, void *conn, int64_t now_ms,
		 int64_t ttl_ms)
{
	if (share_expired(s, now_ms))
		share_reset(s);
	if (s->state != SHARE_IDLE && s->state != SHARE_INVITED)
		return -EBUSY;
	s->state = SHARE_INVITED;
	s->number++;
	s->operator_id = operator_id;
	s->operator_conn = conn;
	s->guest_conn = NULL;
	s->shown = false;
	s->expires_ms = now_ms + ttl_ms;
	return 0;
}

int share_reply(struct share *s, void *conn, bool accept, int64_t now_ms)
{
	if (s->state != SHARE_INVITED)
		return -ENOENT;
	if (share_expired(s, now_ms)) {
		share_reset(s);
		return -ETIMEDOUT;
	}
	if (!accept) {
		share_reset(s);
		return 0;
	}
	s->state = SHARE_ACCEPTED;
	s->guest_conn = conn;
	s->expires_ms = now_ms + SHARE_CONSENT_MS;
	return 0;
}

int share_offer(struct share *s, void *conn, int64_t now_ms, int64_t frame_ms)
{
	if (s->state < SHARE_ACCEPTED)
		return -ENOENT;
	if (conn != s->guest_conn)
		return -EPERM;
	/* A second offer on a live share renegotiates it (an ICE restart). */
	if (s->state == SHARE_ACCEPTED)
		s->expires_ms = now_ms + frame_ms;
	s->state = SHARE_OFFERED;
	return 0;
}

int share_answer(struct share *s, void *conn)
{
	if (s->state != SHARE_OFFERED)
		return -ENOENT;
	if (conn != s->operator_conn)
		return -EPERM;
	s->state = SHARE_LIVE;
	return 0;
}

int share_show(struct share *s, void *conn)
{
	/* Answered; or shown already and renegotiating (an offer again). */
	if (s->state != SHARE_LIVE && !s->shown)
		return -ENOENT;
	if (conn != s->operator_conn)
		return -EPERM;
	if (s->shown)
		return -EALREADY;
	s->shown = true;
	s->expires_ms = 0;
	return 0;
}

int share_fail(struct share *s, void *conn)
{
	if (s->state < SHARE_ACCEPTED)
		return -ENOENT;
	if (conn != s->operator_conn)
		return -EPERM;
	return s->shown ? -EALREADY : 0;
}

void *share_peer(const struct share *s, void *conn)
{
	if (s->state < SHARE_OFFERED)
		return NULL;
	if (conn == s->guest_conn)
		return s->operator_conn;
	if (conn == s->operator_conn)
		return s->guest_conn;
	return NULL;
}

bool share_expired(const struct share *s, int64_t now_ms)
{
	if (s->state == SHARE_IDLE || (s->state >= SHARE_OFFERED && s->shown))
		return false;
	return now_ms >= s->expires_ms;
}

const char *share_expiry_step(const struct share *s)
{
	if (s->state == SHARE_INVITED)
		return "expired";
	if (s->state == SHARE_ACCEPTED)
		return "stopped";
	return "failed";
}

int share_chat_allows(enum chat_status status)
{
	if (status == CHAT_ENDED)
		return -ECANCELED;
	return status == CHAT_ACTIVE ? 0 : -EAGAIN;
}

bool share_stop_declines(const struct share *s, bool by_guest)
{
	return by_guest && s->state == SHARE_INVITED;
}

void share_reset(struct share *s)
{
	s->state = SHARE_IDLE;
	s->operator_id = 0;
	s->expires_ms = 0;
	s->operator_conn = NULL;
	s->guest_conn = NULL;
	s->shown = false;
}

/* ---- SDP ------------------------------------------------------------------ */

enum direction { DIR_NONE, DIR_SENDRECV, DIR_SENDONLY, DIR_RECVONLY, DIR_INACTIVE };

static bool starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(line, prefix, n);
}

static bool is_word(const char *line, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(line, word, len);
}

static enum direction direction_of(const char *line, size_t len)
{
	if (is_word(line, len, "a=sendrecv"))
		return DIR_SENDRECV;
	if (is_word(line, len, "a=sendonly"))
		return DIR_SENDONLY;
	if (is_word(line, len, "a=recvonly"))
		return DIR_RECVONLY;
	if (is_word(line, len, "a=inactive"))
		return DIR_INACTIVE;
	return DIR_NONE;
}

/* Text the SDP grammar allows on a line: printable ASCII and tabs. */
static bool printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] > 0x7e)
			return false;
	return true;
}

/* Close one media section: is its kind and direction allowed? */
static const char *check_section(bool video, enum direction dir, enum direction session_dir,
				 bool offer)
{
	if (!video)
		return "Only video may be shared: no audio or data channels.";
	if (dir == DIR_NONE)
		dir = session_dir == DIR_NONE ? DIR_SENDRECV : session_dir;
	if (dir == DIR_INACTIVE)
		return NULL;
	if (offer && dir != DIR_SENDONLY)
		return "The guest's offer may only send video (a=sendonly).";
	if (!offer && dir != DIR_RECVONLY)
		return "The operator's answer may only receive (a=recvonly); the guest never sees the operator's screen.";
	return NULL;
}

static const char *check_sdp(const char *sdp, size_t len, bool relay_only, bool offer)
{
	enum direction session_dir = DIR_NONE, dir = DIR_NONE;
	const char *p = sdp, *end = sdp + len, *why;
	bool in_media = false, video = false;
	size_t nmedia = 0, nlines = 0;

	if (len == 0 || len > SHARE_SDP_MAX)
		return "The session description is empty or too long.";
	if (!starts(sdp, len, "v=0"))
		return "The session description must start with v=0.";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl ? nl : end) - p;
		enum direction d;

		if (n && p[n - 1] == '\r')
			n--;
		if (!printable(p, n))
			return "The session description holds characters it may not.";
		nlines++;
		if (starts(p, n, "m=")) {
			if (in_media && (why = check_section(video, dir, session_dir, offer)))
				return why;
			in_media = true;
			video = starts(p, n, "m=video ");
			dir = DIR_NONE;
			nmedia++;
		} else if ((d = direction_of(p, n)) != DIR_NONE) {
			if (in_media)
				dir = d;
			else
				session_dir = d;
		} else if (starts(p, n, "a=candidate:")) {
			why = share_check_candidate(p + 2, n - 2, relay_only);
			if (why)
				return why;
			if (relay_only)
				return "With the relay-only policy, candidates travel one by one (share.ice), not inside the description.";
		}
		p = nl ? nl + 1 : end;
	}
	if (!nmedia)
		return "The session description has no media.";
	if (nmedia > 4)
		return "One screen at a time: at most four media sections.";
	return check_section(video, dir, session_dir, offer);
}

const char *share_check_offer(const char *sdp, size_t len, bool relay_only)
{
	return check_sdp(sdp, len, relay_only, true);
}

const char *share_check_answer(const char *sdp, size_t len, bool relay_only)
{
	return check_sdp(sdp, len, relay_only, false);
}

/* ---- ICE candidates --------------------------------------------------------- */

/*
 * "candidate:<foundation> <component> <transport> <priority> <address>
 * <port> typ <type> [raddr <a> rport <p>] …" (RFC 8839).
 */
static const char *candidate_type(const char *cand, size_t len, char type[16])
{
	const char *typ;
	size_t n;

	if (len > SHARE_CANDIDATE_MAX || !printable(cand, len) || memchr(cand, '\t', len))
		return "The ICE candidate is too long or holds characters it may not.";
	if (!starts(cand, len, "candidate:"))
		return "An ICE candidate starts with \"candidate:\".";
	typ = memmem(cand, len, " typ ", 5);
	if (!typ)
		return "The ICE candidate has no type.";
	typ += 5;
	for (n = 0; typ + n < cand + len && typ[n] != ' '; n++)
		;
	if (n == 0 || n >= 16)
		return "The ICE candidate has no type.";
	memcpy(type, typ, n);
	type[n] = '\0';
	if (strcmp(type, "host") && strcmp(type, "srflx") && strcmp(type, "prflx") &&
	    strcmp(type, "relay"))
		return "The ICE candidate's type is unknown.";
	return NULL;
}

const char *share_check_candidate(const char *cand, size_t len, bool relay_only)
{
	char type[16];
	const char *why;

	if (len == 0)
		return NULL; /* the end of the candidates */
	why = candidate_type(cand, len, type);
	if (why)
		return why;
	if (relay_only && strcmp(type, "relay"))
		return "Only relayed ICE candidates are allowed on this server.";
	return NULL;
}

/* The length of the word at `in`: up to a space or `end`. */
static size_t token_len(const char *in, const char *end)
{
	size_t n = 0;

	while (in + n < end && in[n] != ' ')
		n++;
	return n;
}

size_t share_clean_candidate(const char *cand, size_t len, char *out)
{
	const char *end = cand + len, *p = memmem(cand, len, " raddr ", 7);
	size_t n;

	if (!p) {
		memcpy(out, cand, len);
		out[len] = '\0';
		return len;
	}
	p += 7;
	n = (size_t)(p - cand);
	memcpy(out, cand, n);
	memcpy(out + n, "0.0.0.0", 7);
	n += 7;
	p += token_len(p, end);
	if (end - p >= 7 && !memcmp(p, " rport ", 7)) {
		memcpy(out + n, " rport 0", 8);
		n += 8;
		p += 7;
		p += token_len(p, end);
	}
	memcpy(out + n, p, (size_t)(end - p));
	n += (size_t)(end - p);
	out[n] = '\0';
	return n;
}
