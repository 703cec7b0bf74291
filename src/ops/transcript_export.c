/*
 * transcript_export.c - see history.h: a chat's transcript as one HTML file
 * and as plain text, for Download transcript.
 *
 * Both are written from the same JSON the history page reads, so they say
 * what the page shows.  Every piece of text in the HTML goes through
 * put_esc(); the file carries its own Content-Security-Policy (no script,
 * images only from data:) because a downloaded file has no server headers.
 * Events of a kind this file does not know (a later kind, such as the
 * screensharing consent record) appear as a system line naming the kind and
 * its step, so nothing in the log is silently left out.
 *
 * In the text, a line that starts with "[" is always an event's header,
 * which the server wrote: a message's own lines after its first are
 * indented by four spaces, and every other piece of text people chose (a
 * name, a file name, a description, an invitation, a queue's title) is
 * kept to one line (text_clean_line()).  Whatever a guest types, it cannot
 * forge a line that reads as someone else's message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "base/util.h"
#include "media/blobs.h"
#include "ops/history.h"

#define THUMB_EMBED_MAX (2 * 1024 * 1024) /* bytes of one embedded image */

struct out {
	char *p;
	size_t len, cap;
};

static void put_n(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = grow_cap(o->cap, o->len + n + 1);
		o->p = xrealloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put(struct out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

/* Text into HTML: the five characters that mean something there, escaped. */
static void put_esc(struct out *o, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': put(o, "&lt;"); break;
		case '>': put(o, "&gt;"); break;
		case '&': put(o, "&amp;"); break;
		case '"': put(o, "&quot;"); break;
		case '\'': put(o, "&#39;"); break;
		default: put_n(o, s, 1); break;
		}
	}
}

static void put_base64(struct out *o, const unsigned char *d, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = abc[d[i] >> 2];
		q[1] = abc[((d[i] & 3) << 4) | (d[i + 1] >> 4)];
		q[2] = abc[((d[i + 1] & 15) << 2) | (d[i + 2] >> 6)];
		q[3] = abc[d[i + 2] & 63];
		put_n(o, q, 4);
	}
	if (i < n) {
		q[0] = abc[d[i] >> 2];
		q[1] = abc[((d[i] & 3) << 4) | (i + 1 < n ? d[i + 1] >> 4 : 0)];
		q[2] = i + 1 < n ? abc[(d[i + 1] & 15) << 2] : '=';
		q[3] = '=';
		put_n(o, q, 4);
	}
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static long long num(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

/* "2026-11-25 20:01:25 UTC" */
static void put_time(struct out *o, long long ms)
{
	char buf[40];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	put(o, buf);
}

static const char *sender(json_t *ev)
{
	const char *name = str(ev, "name");

	if (name[0])
		return name;
	return !strcmp(str(ev, "from"), "guest") ? "Guest" : "Librarian";
}

/*
 * Give an unnamed guest's messages and "started" notice the chat's label
 * ("Guest 7F3K"), as the staff pages show them, so an export says who wrote
 * what in the same words.
 */
static void name_guests(json_t *chat, json_t *events)
{
	const char *label = str(chat, "label");
	size_t i;

	if (!label[0] || str(chat, "name")[0])
		return;
	for (i = 0; i < json_array_size(events); i++) {
		json_t *ev = json_array_get(events, i);
		bool by_guest = !strcmp(str(ev, "from"), "guest") ||
				(!strcmp(str(ev, "kind"), "notice") && !strcmp(str(ev, "notice"), "started"));

		if (by_guest && !str(ev, "name")[0])
			json_object_set_new(ev, "name", json_string(label));
	}
}

/* The guest as the facts at the top name them. */
static const char *guest_fact(json_t *chat, char *buf, size_t size)
{
	if (str(chat, "name")[0])
		return str(chat, "name");
	snprintf(buf, size, "%s (no name given)", str(chat, "label")[0] ? str(chat, "label") : "Guest");
	return buf;
}

/* A step of screensharing (the consent record), as the staff read it. */
static const struct {
	const char *step;
	const char *words;
} share_steps[] = {
	{ "invited", "Screen sharing: the librarian invited the guest" },
	{ "accepted", "Screen sharing: the guest agreed" },
	{ "declined", "Screen sharing: the guest declined" },
	{ "blocked", "Screen sharing: the guest's pop-up blocker stopped the invitation" },
	{ "unsupported", "Screen sharing: the guest's browser cannot share a screen" },
	{ "started", "Screen sharing: the guest started sharing" },
	{ "snapshot", "Screen sharing: the librarian took a snapshot" },
	{ "stopped", "Screen sharing: stopped" },
	{ "withdrawn", "Screen sharing: the invitation was withdrawn" },
	{ "expired", "Screen sharing: the invitation expired" },
};

/*
 * Why a share failed before anything was shown, as the viewer (or the
 * server, for no_frame) reported it.
 */
static const struct {
	const char *reason;
	const char *words;
} fail_reasons[] = {
	{ "relay_refused", "the relay refused the credentials" },
	{ "ice_failed", "no connection could be made" },
	{ "no_frame", "no picture arrived in time" },
};

/*
 * "Screen sharing: connection failed, the guest's screen was never shown
 * (why; reported by whom)": said apart from "stopped" because the consent
 * record must not read as if the librarian saw anything.
 */
static void put_share_failed(struct out *o, json_t *ev, void (*text)(struct out *, const char *))
{
	const char *reason = str(ev, "reason"), *why = reason;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fail_reasons); i++)
		if (!strcmp(reason, fail_reasons[i].reason))
			why = fail_reasons[i].words;
	text(o, "Screen sharing: connection failed, the guest's screen was never shown (");
	if (why[0]) {
		text(o, why);
		text(o, "; ");
	}
	text(o, !strcmp(str(ev, "by"), "system") ? "noticed by the server)" : "reported by the librarian)");
}

static const char *share_words(const char *step)
{
	size_t i;

	for (i = 0; i < sizeof(share_steps) / sizeof(share_steps[0]); i++)
		if (!strcmp(step, share_steps[i].step))
			return share_steps[i].words;
	return NULL;
}

/* A notice, or any event kind this file does not know, as one sentence. */
static void put_system_line(struct out *o, json_t *ev, void (*text)(struct out *, const char *))
{
	const char *kind = str(ev, "kind"), *notice = str(ev, "notice");
	char line[200];

	if (!strcmp(kind, "notice") && !strcmp(notice, "started")) {
		text(o, str(ev, "name")[0] ? str(ev, "name") : "A guest");
		text(o, " started the chat");
	} else if (!strcmp(kind, "notice") && !strcmp(notice, "joined")) {
		text(o, str(ev, "name")[0] ? str(ev, "name") : "A librarian");
		text(o, " joined the chat");
	} else if (!strcmp(kind, "notice") && !strcmp(notice, "transferred")) {
		text(o, str(ev, "from")[0] ? str(ev, "from") : "A librarian");
		text(o, " transferred the chat to ");
		text(o, str(ev, "title")[0] ? str(ev, "title") : str(ev, "name"));
		if (str(ev, "title")[0]) {
			text(o, "; ");
			text(o, str(ev, "name"));
			text(o, " took it");
		}
	} else if (!strcmp(kind, "notice") && !strcmp(notice, "requeued")) {
		text(o, "Nobody took the transfer; the chat waited on its queue again");
	} else if (!strcmp(kind, "share") && !strcmp(str(ev, "step"), "stopped") &&
		   !strcmp(str(ev, "reason"), "transferred")) {
		/* The consent was to the librarian who held the chat, not the next. */
		text(o, "Screen sharing stopped: the chat was transferred");
	} else if (!strcmp(kind, "notice") && !strcmp(notice, "ended")) {
		snprintf(line, sizeof(line), "The chat was ended%s%s%s",
			 str(ev, "by")[0] ? " by the " : "",
			 !strcmp(str(ev, "by"), "operator") ? "librarian" : str(ev, "by"),
			 !strcmp(str(ev, "reason"), "idle") ? " after nobody wrote for a while" : "");
		text(o, line);
	} else if (!strcmp(kind, "notice") && !strcmp(notice, "removed")) {
		/* A snapshot or file the queue's retention rule deleted (retention.h). */
		text(o, !strcmp(str(ev, "what"), "file") ? "A file was removed under the library's retention policy"
							 : "An image was removed under the library's retention policy");
	} else if (!strcmp(kind, "share") && !strcmp(str(ev, "step"), "failed")) {
		put_share_failed(o, ev, text);
	} else if (!strcmp(kind, "share") && share_words(str(ev, "step"))) {
		text(o, share_words(str(ev, "step")));
		if (str(ev, "by")[0]) {
			text(o, " by the ");
			text(o, !strcmp(str(ev, "by"), "operator") ? "librarian" : str(ev, "by"));
		}
		if (str(ev, "reason")[0]) {
			text(o, " (");
			text(o, str(ev, "reason"));
			text(o, ")");
		}
		if (str(ev, "text")[0]) {
			text(o, ": “");
			text(o, str(ev, "text"));
			text(o, "”");
		}
	} else {
		/* Any other kind: its name and step, so nothing is dropped. */
		text(o, kind);
		if (str(ev, "step")[0] || notice[0]) {
			text(o, ": ");
			text(o, str(ev, "step")[0] ? str(ev, "step") : notice);
		}
		if (str(ev, "by")[0]) {
			text(o, " by ");
			text(o, str(ev, "by"));
		}
		if (str(ev, "text")[0]) {
			text(o, " — ");
			text(o, str(ev, "text"));
		}
	}
}

/* ---- HTML ----------------------------------------------------------------------------- */

static const char html_head[] =
	"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"img-src data:; style-src 'unsafe-inline'\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<style>\n"
	"body{font:15px/1.45 system-ui,sans-serif;color:#1b2430;max-width:46rem;margin:2rem auto;"
	"padding:0 1rem}\n"
	"h1{font-size:1.35rem;margin:0 0 .25rem}dl{display:grid;grid-template-columns:auto 1fr;"
	"gap:.15rem 1rem;margin:0 0 1.5rem;color:#3d4a5a}dt{font-weight:600}dd{margin:0}\n"
	".ev{margin:.6rem 0}.who{font-weight:600}.at{color:#5b6878;font-size:.85em;margin-left:.5rem}\n"
	".text{white-space:pre-wrap;overflow-wrap:anywhere}.sys{color:#5b6878;font-style:italic;"
	"text-align:center}\n"
	"img{display:block;max-width:320px;height:auto;border:1px solid #d3dae3;border-radius:4px;"
	"margin-top:.25rem}\n.file{color:#3d4a5a}\n</style>\n";

/* The bytes of a blob of this chat as a data: URI, when small enough. */
static bool put_image(struct out *o, const char *data_dir, const char *hash, const char *alt)
{
	char path[4096];
	unsigned char *d;
	struct stat sb;
	int fd;

	if (!blobs_hash_is_valid(hash) || blobs_path(data_dir, hash, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (fstat(fd, &sb) < 0 || sb.st_size <= 8 || sb.st_size > THUMB_EMBED_MAX) {
		close(fd);
		return false;
	}
	d = (unsigned char *)read_exactly(fd, (size_t)sb.st_size);
	close(fd);
	if (!d)
		return false;
	/* Our blobs are re-encoded PNG or JPEG: the magic bytes say which. */
	put(o, d[0] == 0x89 && d[1] == 'P' ? "<img src=\"data:image/png;base64,"
					   : "<img src=\"data:image/jpeg;base64,");
	put_base64(o, d, (size_t)sb.st_size);
	put(o, "\" alt=\"");
	put_esc(o, alt);
	put(o, "\">");
	free(d);
	return true;
}

static void html_event(struct out *o, const char *data_dir, json_t *ev)
{
	const char *kind = str(ev, "kind");
	bool media = !strcmp(kind, "snapshot") || !strcmp(kind, "file");

	if (strcmp(kind, "message") && !media) {
		put(o, "<p class=\"ev sys\">");
		put_system_line(o, ev, put_esc);
		put(o, " <span class=\"at\">");
		put_time(o, num(ev, "at"));
		put(o, "</span></p>\n");
		return;
	}
	put(o, "<div class=\"ev\"><span class=\"who\">");
	put_esc(o, sender(ev));
	put(o, "</span><span class=\"at\">");
	put_time(o, num(ev, "at"));
	put(o, "</span>\n");
	if (!strcmp(kind, "message")) {
		put(o, "<div class=\"text\">");
		put_esc(o, str(ev, "text"));
		put(o, "</div>");
	} else {
		bool shown = !strcmp(kind, "snapshot") &&
			     put_image(o, data_dir, str(ev, "thumb")[0] ? str(ev, "thumb") : str(ev, "blob"),
				       str(ev, "alt")[0] ? str(ev, "alt") : "Snapshot");
		char size[48];

		snprintf(size, sizeof(size), "%lld bytes", num(ev, "size"));
		put(o, "<div class=\"file\">");
		put(o, !strcmp(kind, "snapshot") ? (shown ? "" : "Snapshot: ") : "File: ");
		put_esc(o, str(ev, "file_name"));
		put(o, " (");
		put_esc(o, str(ev, "mime"));
		put(o, ", ");
		put(o, size);
		put(o, ")</div>");
	}
	put(o, "</div>\n");
}

static void html_facts(struct out *o, json_t *chat)
{
	json_t *op = json_object_get(chat, "operator");
	char guest[64];

	put(o, "<dl><dt>Queue</dt><dd>");
	put_esc(o, str(chat, "queue_title")[0] ? str(chat, "queue_title") : str(chat, "queue"));
	put(o, "</dd><dt>Guest</dt><dd>");
	put_esc(o, guest_fact(chat, guest, sizeof(guest)));
	put(o, "</dd><dt>Librarian</dt><dd>");
	put_esc(o, json_is_object(op) ? str(op, "name") : "nobody");
	put(o, "</dd><dt>Started</dt><dd>");
	put_time(o, num(chat, "started_at"));
	put(o, "</dd><dt>Status</dt><dd>");
	put_esc(o, str(chat, "status"));
	put(o, "</dd></dl>\n");
}

char *transcript_html(const char *data_dir, json_t *chat, json_t *events, size_t *len)
{
	struct out o = { 0 };
	size_t i;

	name_guests(chat, events);
	put(&o, html_head);
	put(&o, "<title>Chat transcript ");
	put_esc(&o, str(chat, "chat"));
	put(&o, "</title>\n</head>\n<body>\n<h1>Chat transcript</h1>\n");
	html_facts(&o, chat);
	put(&o, "<main>\n");
	for (i = 0; i < json_array_size(events); i++)
		html_event(&o, data_dir, json_array_get(events, i));
	if (!json_array_size(events))
		put(&o, "<p class=\"sys\">This transcript has been deleted.</p>\n");
	put(&o, "</main>\n</body>\n</html>\n");
	*len = o.len;
	return o.p;
}

/* ---- plain text ----------------------------------------------------------------------------- */

#define TEXT_INDENT "    " /* the start of each line of a message after its first */

/* Text on one line: line breaks become spaces, controls and direction marks go. */
static void put_line(struct out *o, const char *s)
{
	char *line = xstrdup(s);

	put_n(o, line, text_clean_line(line, line, strlen(line) + 1));
	free(line);
}

/*
 * A message's text: each line break (any that text_line_break() knows, so
 * a CR or U+2028 counts too) starts a new line indented by TEXT_INDENT.
 * Other control characters are dropped: in a terminal they could move the
 * cursor back over a line.  Direction marks stay, as in the message.
 */
/*
 * The writer of a message or file and their role, "Pat (guest)" or "Ann
 * Lee (librarian)": a guest may take any name, the librarian's too, but
 * not the role the server writes after it.
 */
static void put_sender(struct out *o, json_t *ev)
{
	put_line(o, sender(ev));
	put(o, !strcmp(str(ev, "from"), "guest") ? " (guest)" : " (librarian)");
}

static void put_lines(struct out *o, const char *s)
{
	const char *run = s;

	while (*s) {
		const unsigned char *p = (const unsigned char *)s;
		size_t n = text_line_break(s);
		bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;

		if (!n && !c1 && ((*p >= 0x20 && *p != 0x7f) || *p == '\t')) {
			s++;
			continue;
		}
		put_n(o, run, (size_t)(s - run));
		if (n)
			put(o, "\n" TEXT_INDENT);
		s += n ? n : c1 ? 2 : 1;
		run = s;
	}
	put_n(o, run, (size_t)(s - run));
}

char *transcript_text(json_t *chat, json_t *events, size_t *len)
{
	json_t *op = json_object_get(chat, "operator");
	struct out o = { 0 };
	char guest[64];
	size_t i;

	name_guests(chat, events);
	put(&o, "Chat transcript\nQueue: ");
	put_line(&o, str(chat, "queue_title")[0] ? str(chat, "queue_title") : str(chat, "queue"));
	put(&o, "\nGuest: ");
	put_line(&o, guest_fact(chat, guest, sizeof(guest)));
	put(&o, "\nLibrarian: ");
	put_line(&o, json_is_object(op) ? str(op, "name") : "nobody");
	put(&o, "\nStarted: ");
	put_time(&o, num(chat, "started_at"));
	put(&o, "\n\n");
	for (i = 0; i < json_array_size(events); i++) {
		json_t *ev = json_array_get(events, i);
		const char *kind = str(ev, "kind");

		put(&o, "[");
		put_time(&o, num(ev, "at"));
		put(&o, "] ");
		if (!strcmp(kind, "message")) {
			put_sender(&o, ev);
			put(&o, ": ");
			put_lines(&o, str(ev, "text"));
		} else if (!strcmp(kind, "snapshot") || !strcmp(kind, "file")) {
			put_sender(&o, ev);
			put(&o, !strcmp(kind, "snapshot") ? " sent a snapshot: " : " sent a file: ");
			put_line(&o, str(ev, "file_name"));
			if (!strcmp(kind, "snapshot") && str(ev, "alt")[0]) {
				put(&o, ", described as “");
				put_line(&o, str(ev, "alt"));
				put(&o, "”");
			}
		} else {
			put(&o, "* ");
			put_system_line(&o, ev, put_line);
		}
		put(&o, "\n");
	}
	if (!json_array_size(events))
		put(&o, "This transcript has been deleted.\n");
	*len = o.len;
	return o.p;
}
