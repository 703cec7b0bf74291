/*
 * pages.c - what anyone may ask for (PROTOCOL.md §2.3) and the pages
 * (§2.4): health, a queue's public state, the demo site, the chat box and
 * its loader, and the staff pages that need no chat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "chat/domain.h"
#include "net/http.h"
#include "net/server.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/errors.h"
#include "ops/page_lang.h"
#include "ops/caller.h"
#include "ops/routes.h"
#include "store/store.h"

/* ---- public (§2.3) ---------------------------------------------------------------------- */

static void get_health(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	http_json(req, 200, json_pack("{s:b}", "ok", 1));
}

static void get_queue(struct http_req *req, HTTP_PARAMS)
{
	struct store_account a;
	struct store_queue q;
	struct queue_live *ql;

	http_header(req, "access-control-allow-origin:", "*");
	if (!str_is_token(params[0], STORE_QUEUE_NAME_MAX, "-") || store_queue_by_name(req_app(req)->st, params[0], &q) < 0 ||
	    store_account_get(req_app(req)->st, q.account_id, &a) < 0) {
		http_refuse(req, -ENOENT, "No such queue.");
		return;
	}
	ql = domain_queue(&req_app(req)->dom, q.id);
	/* The limits let the box refuse what the server would, before sending it. */
	http_json(req, 200, json_pack("{s:s, s:s, s:s, s:b, s:b, s:i, s:{s:I, s:I, s:i}}", "queue", q.name,
				      "title", q.title, "account", a.name,
				      "online", ql && queue_is_online(ql),
				      /* Mail set up: Leave a question and Email transcript. */
				      "mail", req_app(req)->cfg->smtp_url != NULL,
				      "mail_keep_days", req_app(req)->cfg->followup_keep_days, "limits",
				      "image_bytes", (json_int_t)req_app(req)->cfg->max_image_bytes,
				      "file_bytes", (json_int_t)req_app(req)->cfg->max_file_bytes,
				      "text_chars", CHAT_TEXT_MAX));
}

/* ---- pages (§2.4) ------------------------------------------------------------------------ */

static void page_root(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	if (req_app(req)->cfg->demo) {
		http_static(req, "demo/index.html", POLICY_PAGE);
		return;
	}
	http_header(req, "location:", "/staff");
	http_respond(req, 302, "text/plain", NULL, 0);
}

/*
 * The box page carries its first view: the ask form while the queue is
 * staffed, the away notice while it is not, so a patron on a slow line
 * sees it before any script has arrived (box.js then takes over, and
 * presence keeps it true).  The consent pop-up's page is consent.js's.
 * Both come in the patron's language (page_lang.c), with its catalogue.
 */
#define BOX_FIRST_VIEW "data-view=\"loading\""

static char *page_translate(void *ctx, char *data, size_t *len)
{
	return page_lang_apply(ctx, data, len);
}

/*
 * The language of a page: the one its URL asks for (?lang=), then (on
 * staff pages, `chosen`) the one the librarian chose in the webclient's
 * setting, which i18n.js keeps in the refdesk_lang cookie for the server,
 * then the browser's; see page_lang_get_page() for `allowed` and `extra`.
 */
static const struct page_lang *page_language(struct http_req *req, const char *allowed, const char *extra,
					     bool chosen)
{
	char arg[PAGE_LANG_TAG_MAX], cookie[PAGE_LANG_TAG_MAX], header[256], tags[PAGE_LANG_WANTED_MAX][PAGE_LANG_TAG_MAX];
	const char *wanted[PAGE_LANG_WANTED_MAX + 2];
	size_t n = 0, i, ntags;

	/* A value too long to be a tag is no wish at all. */
	if (http_get_arg(req, "lang", arg, sizeof(arg)) == 0)
		wanted[n++] = arg;
	if (chosen) {
		if (http_cookie(req, "refdesk_lang", cookie, sizeof(cookie)) == 0)
			wanted[n++] = cookie;
		http_header(req, "vary:", "Cookie");
	}
	http_get_header(req, "accept-language:", header, sizeof(header));
	ntags = page_lang_accept(header, tags, PAGE_LANG_WANTED_MAX);
	for (i = 0; i < ntags; i++)
		wanted[n++] = tags[i];
	http_header(req, "vary:", "Accept-Language");
	return page_lang_get_page(req->srv->cfg->web_dir, wanted, n, allowed, extra);
}

/*
 * The staff pages' languages and own catalogue: each staff page's <html>
 * says the same (data-i18n-languages, data-i18n-extra; checked by the
 * unit-js i18n test).
 */
#define STAFF_LANGUAGES "en fr"
#define STAFF_EXTRA "staff"

/*
 * A staff page drawn in the language i18n.js would pick from the URL, the
 * webclient's setting and the browser's languages, with both catalogues
 * inside, so a French librarian sees no English first and the page
 * fetches no catalogue.
 */
void pages_staff_page(struct http_req *req, const char *relpath)
{
	struct http_page_edit edit = { 0 };
	const struct page_lang *pl = page_language(req, STAFF_LANGUAGES, STAFF_EXTRA, true);

	if (pl) {
		edit.apply = page_translate;
		edit.ctx = (void *)pl;
		edit.key = pl->key;
	}
	http_static_page(req, relpath, POLICY_PAGE, &edit);
}

static void page_box(struct http_req *req, HTTP_PARAMS)
{
	struct http_page_edit edit = { 0 };
	const struct page_lang *pl;
	struct store_account a;
	struct store_queue q;
	struct queue_live *ql;
	char mode[16];

	if (!str_is_token(params[0], STORE_QUEUE_NAME_MAX, "-") || store_queue_by_name(req_app(req)->st, params[0], &q) < 0 ||
	    store_account_get(req_app(req)->st, q.account_id, &a) < 0) {
		http_error_page(req, 404, AUDIENCE_PATRON, NULL);
		return;
	}
	snprintf(req->frame_origins, sizeof(req->frame_origins), "%s", a.origins);
	pl = page_language(req, NULL, NULL, false);
	if (pl) {
		edit.apply = page_translate;
		edit.ctx = (void *)pl;
		edit.key = pl->key;
	}
	if (http_get_arg(req, "mode", mode, sizeof(mode)) != 0 || strcmp(mode, "consent")) {
		ql = domain_queue(&req_app(req)->dom, q.id);
		edit.from = BOX_FIRST_VIEW;
		edit.to = ql && queue_is_online(ql) ? "data-view=\"start\" data-presence=\"online\""
						    : "data-view=\"offline\" data-presence=\"offline\"";
		edit.key = edit.key * 31 + str_key(edit.to, strlen(edit.to));
	}
	http_static_page(req, "widget/box.html", POLICY_BOX, &edit);
}

static void page_embed(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	http_static(req, "widget/embed.js", POLICY_PAGE);
}

static void page_staff(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	pages_staff_page(req, "operator/index.html");
}

static void page_signin(struct http_req *req, HTTP_PARAMS)
{
	(void)params;
	pages_staff_page(req, "operator/signin.html");
}

static void page_admin(struct http_req *req, HTTP_PARAMS)
{
	int64_t operator_id;
	struct store_operator o;

	(void)params;
	/*
	 * Signed out, the page itself sends the browser to sign-in; an operator
	 * without the admin flag is told here, with the status that says so.
	 */
	if (req->wsi &&
	    caller_session_of_req(req, caller_of(req)->session_hash, &operator_id) == 0 &&
	    store_operator_get(req_app(req)->st, operator_id, &o) == 0 && !o.disabled && !o.is_admin) {
		http_error_page(req, 403, AUDIENCE_STAFF, NULL);
		return;
	}
	pages_staff_page(req, "operator/admin.html");
}

const struct http_route pages_routes[] = {
	{ HTTP_GET, "/api/health", 0, NULL, get_health },
	{ HTTP_GET, "/api/queues/*", 0, NULL, get_queue },
	{ HTTP_GET, "/", 0, NULL, page_root },
	{ HTTP_GET, "/embed.js", 0, NULL, page_embed },
	{ HTTP_GET, "/box/*", 0, NULL, page_box },
	{ HTTP_GET, "/staff", 0, NULL, page_staff },
	{ HTTP_GET, "/staff/signin", 0, NULL, page_signin },
	{ HTTP_GET, "/staff/admin", 0, NULL, page_admin },
};
const size_t pages_nroutes = ARRAY_SIZE(pages_routes);
