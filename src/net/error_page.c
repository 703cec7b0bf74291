/*
 * error_page.c - see http.h.  The one error page for staff and the one for
 * patrons.
 *
 * Every page route that cannot show what was asked for answers through
 * here, so a wrong link, a chat of another account, an expired management
 * link and a page the operator may not use all look like the rest of
 * refdesk: the same header, one sentence on what happened, and the way
 * back.  The bodies are built from fixed text only; nothing from the
 * request is echoed except a chat id the caller has already checked
 * (str_is_token), so a chat of another account answers byte for byte what
 * a missing one does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "net/http.h"
#include "net/server.h"

#define ERROR_PAGE_MAX 8192

struct error_text {
	int status;
	const char *title;   /* the heading, and the window's title */
	const char *text;    /* what happened, in a sentence or two */
};

static const struct error_text staff_texts[] = {
	{ 403, "You may not open this page",
	  "Only account admins can use it. Ask your account admin if something needs changing." },
	{ 404, "This page or chat was not found",
	  "The address may be mistyped or cut short, or the chat belongs to another library "
	  "account. Chats of your account are all in Chat History." },
	{ 410, "This chat's link has expired",
	  "The chat ended a while ago; its management link works only for a while after the "
	  "end. The chat and its transcript are kept in Chat History." },
	{ 0, "Something went wrong",
	  "The server could not show this page. Try again in a moment." },
};

static const struct error_text patron_texts[] = {
	{ 403, "This chat cannot be opened here",
	  "The library's website has not allowed this chat box. Go back to the library's page "
	  "and start the chat from there." },
	{ 404, "This chat is not available",
	  "The library may have moved or switched off this chat box, or the address is "
	  "mistyped. Go back to the library's page and start the chat from there." },
	{ 410, "This chat is no longer available",
	  "It ended a while ago. Go back to the library's page to start a new chat." },
	{ 0, "Something went wrong",
	  "The chat could not be shown. Try again in a moment." },
};

static const char staff_page[] =
	"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>%s — refdesk</title>\n"
	"<link rel=\"icon\" href=\"/operator/refdesk.svg\">\n"
	"<link rel=\"stylesheet\" href=\"/shared/base.css\">\n"
	"<link rel=\"stylesheet\" href=\"/operator/operator.css\">\n"
	"<link rel=\"stylesheet\" href=\"/shared/error_page.css\">\n"
	"<script type=\"module\" src=\"/shared/error_page.js\"></script>\n"
	"</head>\n<body class=\"staff-page\">\n<header class=\"topbar\">\n"
	"<a class=\"topbar__brand\" href=\"/staff\" target=\"refdesk-webclient\">"
	"<img src=\"/operator/refdesk.svg\" alt=\"\" width=\"32\" height=\"32\"><span>refdesk</span></a>\n"
	"<span class=\"topbar__spacer\"></span>\n"
	"<a class=\"topbar__link\" href=\"/staff\" target=\"refdesk-webclient\">Webclient</a>\n"
	"<a class=\"topbar__link\" href=\"/staff/history\" target=\"refdesk-history\">Chat History</a>\n"
	"</header>\n<main class=\"error-page\">\n"
	"<section class=\"panel error-page__card\" aria-labelledby=\"error-title\">\n"
	"<p class=\"error-page__code\">Error %d</p>\n"
	"<h1 class=\"error-page__title\" id=\"error-title\">%s</h1>\n"
	"<p class=\"error-page__text\">%s</p>\n"
	"<p class=\"error-page__ways\">"
	"<a class=\"rd-button\" href=\"%s\" target=\"refdesk-history\">%s</a>"
	"<a class=\"rd-button rd-button--quiet\" href=\"/staff\" target=\"refdesk-webclient\">"
	"Back to the webclient</a></p>\n"
	"</section>\n</main>\n</body>\n</html>\n";

static const char patron_page[] =
	"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>%s</title>\n<link rel=\"icon\" href=\"data:,\">\n"
	"<link rel=\"stylesheet\" href=\"/shared/base.css\">\n"
	"<link rel=\"stylesheet\" href=\"/shared/error_page.css\">\n"
	"<script type=\"module\" src=\"/shared/error_page.js\"></script>\n"
	"</head>\n<body class=\"error-patron\">\n"
	"<header class=\"error-patron__bar\"><p class=\"error-patron__brand\">Chat with a librarian</p></header>\n"
	"<main class=\"error-page\">\n"
	"<section class=\"error-page__card\" aria-labelledby=\"error-title\">\n"
	"<p class=\"error-page__code\">Error %d</p>\n"
	"<h1 class=\"error-page__title\" id=\"error-title\">%s</h1>\n"
	"<p class=\"error-page__text\">%s</p>\n"
	/* Which way back fits (back, or closing a pop-up) only the browser knows: error_page.js shows it. */
	"<p class=\"error-page__ways\">"
	"<button type=\"button\" class=\"rd-button\" id=\"error-back\" hidden>Go back</button>"
	"<button type=\"button\" class=\"rd-button\" id=\"error-close\" hidden>Close this window</button></p>\n"
	"</section>\n</main>\n</body>\n</html>\n";

static const struct error_text *text_for(const struct error_text *texts, int status)
{
	while (texts->status && texts->status != status)
		texts++;
	return texts;
}

void http_error_page(struct http_req *req, int status, enum http_audience who, const char *chat)
{
	const struct error_text *t = text_for(who == AUDIENCE_STAFF ? staff_texts : patron_texts,
					      status);
	char *body = xmalloc(ERROR_PAGE_MAX), back[128];
	int n;

	if (who == AUDIENCE_STAFF) {
		/* Only an expired link names its chat: the caller has shown it is theirs. */
		if (status == 410 && chat && str_is_token(chat, 64, "_-"))
			snprintf(back, sizeof(back), "/staff/history?chat=%s", chat);
		else
			snprintf(back, sizeof(back), "/staff/history");
		n = snprintf(body, ERROR_PAGE_MAX, staff_page, t->title, status, t->title, t->text,
			     back, status == 410 ? "Open it in Chat History" : "Open Chat History");
		req->policy = POLICY_PAGE;
	} else {
		n = snprintf(body, ERROR_PAGE_MAX, patron_page, t->title, status, t->title, t->text);
		/*
		 * A patron meets it inside a library's page (the embedded box), so any
		 * site may frame it: it holds nothing but these fixed words.
		 */
		req->policy = POLICY_BOX;
		snprintf(req->frame_origins, sizeof(req->frame_origins), "*");
	}
	if (n < 0 || n >= ERROR_PAGE_MAX)
		abort(); /* fixed text that no longer fits: a programming error */
	stats_tally_add(&req->srv->http_errors, status == 404 ? "not_found" : status == 403 ?
			"forbidden" : status == 410 ? "gone" : "failed");
	http_header(req, "cache-control:", "no-store");
	http_respond(req, status, "text/html; charset=utf-8", body, (size_t)n);
}

void http_not_found(struct http_req *req)
{
	if (!strncmp(req->path, "/api/", 5) || req->method != HTTP_GET)
		http_error(req, 404, "not_found", "Nothing here.");
	else if (!strcmp(req->path, "/staff") || !strncmp(req->path, "/staff/", 7))
		http_error_page(req, 404, AUDIENCE_STAFF, NULL);
	else
		http_error_page(req, 404, AUDIENCE_PATRON, NULL);
}
