/*
 * reports.c - what the desk did (PROTOCOL.md §2.11): the Reports page, its
 * figures as JSON, and the same figures as CSV.
 *
 * How it works: a request names a range of local dates and at most one of
 * a queue or an operator; the store answers from its summary tables
 * (store/report.c) on the loop thread's connection, in a few rows per day
 * of the range, so no request waits on the writer.  Only the account's
 * admins may read reports: they show each operator's figures.  Days and
 * the hours of the heat map are the server's local time (the process's
 * TZ), which both answers name, so a reader knows which hours they are.
 * CSV cells a spreadsheet would take for a formula (= + - @, tab, CR) are
 * prefixed with an apostrophe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "net/http.h"
#include "ops/api.h"
#include "ops/app.h"
#include "ops/caller.h"
#include "ops/errors.h"
#include "ops/routes.h"
#include "store/store.h"

#define REPORT_DAYS_MAX 731 /* two years, a leap day included */
#define ZONE_BYTES 64

static const char *const weekdays[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

/* The figures' names, as both answers spell them (store.h's order). */
static const char *const counter_names[STORE_REPORT_COUNTERS] = {
	"chats", "answered", "missed", "abandoned", "snapshots_from_guests",
	"snapshots_to_guests", "share_invited", "share_accepted", "share_declined",
	"share_blocked", "followups", "followups_answered", "followups_not_delivered",
	"surveys", "survey_ratings", "survey_rating_sum", "survey_yes", "survey_no",
	"survey_comments",
};

/* The survey's average rating, to two decimals, or -1 when no rating was given. */
static double rating_average(const struct store_report *rep)
{
	int64_t n = rep->counter[STORE_REPORT_SURVEY_RATINGS];

	if (n <= 0)
		return -1;
	return (double)(rep->counter[STORE_REPORT_SURVEY_RATING_SUM] * 100 / n +
			(rep->counter[STORE_REPORT_SURVEY_RATING_SUM] * 100 % n * 2 >= n)) / 100;
}

/* What a request asks for, once checked. */
struct report_req {
	struct store_report_filter f;
	char from[16], to[16];
	struct store_queue q;    /* when f.queue_id */
	struct store_operator o; /* when f.operator_id */
	char zone[ZONE_BYTES];
};

/* ---- the request ---------------------------------------------------------------- */

/* A date "YYYY-MM-DD" (1970 to 9999, a day the month has) as a day number. */
static int parse_date(const char *s, int64_t *day)
{
	static const int month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, n = 0;
	bool leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return -EINVAL;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return -EINVAL;
	*day = store_report_day(y, m, d);
	return 0;
}

/* The zone the server counts local days and hours in: $TZ, else /etc/localtime's name. */
static void zone_name(char *out, size_t size)
{
	const char *tz = getenv("TZ");
	char link[256];
	ssize_t n;

	if (tz && *tz) {
		str_copy(out, size, tz[0] == ':' ? tz + 1 : tz);
		return;
	}
	n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n > 0) {
		const char *z;

		link[n] = '\0';
		z = strstr(link, "zoneinfo/");
		str_copy(out, size, z ? z + strlen("zoneinfo/") : link);
		return;
	}
	str_copy(out, size, "UTC");
}

/* The dates: 0, or -EINVAL after answering 400. */
static int parse_range(struct http_req *req, struct report_req *r)
{
	int a = http_get_arg(req, "from", r->from, sizeof(r->from));
	int b = http_get_arg(req, "to", r->to, sizeof(r->to));

	if (a || b || parse_date(r->from, &r->f.from_day) || parse_date(r->to, &r->f.to_day)) {
		api_bad_request(req, "from and to are dates, YYYY-MM-DD, from 1970 on.");
		return -EINVAL;
	}
	if (r->f.to_day < r->f.from_day) {
		api_bad_request(req, "The range ends before it begins: to must not be before from.");
		return -EINVAL;
	}
	if (r->f.to_day - r->f.from_day + 1 > REPORT_DAYS_MAX) {
		api_bad_request(req, "The range is too long: two years (731 days) at most.");
		return -EINVAL;
	}
	return 0;
}

/* The queue (by name) or operator (by id): 0, or an error once answered. */
static int parse_scope(struct http_req *req, struct report_req *r)
{
	struct app *app = req_app(req);
	char name[40], id[24], *end;
	long long v;
	int a = http_get_arg(req, "queue", name, sizeof(name));
	int b = http_get_arg(req, "operator", id, sizeof(id));

	if (b == -E2BIG) {
		api_bad_request(req, "operator is an operator's id, a whole number.");
		return -EINVAL;
	}
	if (name[0] && id[0]) {
		api_bad_request(req, "Choose a queue or an operator, not both.");
		return -EINVAL;
	}
	if (a == -E2BIG || name[0]) {
		if (a == -E2BIG || !str_is_token(name, STORE_QUEUE_NAME_MAX, "-") ||
		    store_queue_by_name(app->st, name, &r->q) < 0 || r->q.account_id != r->f.account_id) {
			http_refuse(req, -ENOENT, "No such queue.");
			return -ENOENT;
		}
		r->f.queue_id = r->q.id;
	}
	if (id[0]) {
		errno = 0;
		v = strtoll(id, &end, 10);
		if (errno || *end || v < 1) {
			api_bad_request(req, "operator is an operator's id, a whole number.");
			return -EINVAL;
		}
		if (store_operator_get(app->st, v, &r->o) < 0 || r->o.account_id != r->f.account_id) {
			http_refuse(req, -ENOENT, "No such operator.");
			return -ENOENT;
		}
		r->f.operator_id = v;
	}
	return 0;
}

/* Read the request and the report: 0, or an error once answered. */
static int report_of(struct http_req *req, struct report_req *r, struct store_report *rep)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->f.account_id = caller_of(req)->op.account_id;
	if ((rc = parse_range(req, r)) < 0 || (rc = parse_scope(req, r)) < 0)
		return rc;
	zone_name(r->zone, sizeof(r->zone));
	rc = store_report_read(req_app(req)->st, &r->f, rep);
	if (rc < 0)
		api_storage_failed(req, rc);
	return rc;
}

/* ---- JSON ------------------------------------------------------------------------- */

static json_t *times_json(const struct store_report_times *t)
{
	return json_pack("{s:I, s:I, s:I}", "count", (json_int_t)t->count, "p50", (json_int_t)t->p50,
			 "p90", (json_int_t)t->p90);
}

static void get_report(struct http_req *req, HTTP_PARAMS)
{
	struct report_req r;
	struct store_report rep;
	json_t *obj, *hours;
	int i, h;

	(void)params;
	if (report_of(req, &r, &rep) < 0)
		return;
	hours = json_array();
	for (i = 0; i < 7; i++) {
		json_t *row = json_array();

		for (h = 0; h < 24; h++)
			json_array_append_new(row, json_integer(rep.by_hour[i][h]));
		json_array_append_new(hours, row);
	}
	obj = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "from", r.from, "to", r.to,
			"time_zone", r.zone,
			"queue", r.f.queue_id ? json_pack("{s:s, s:s}", "name", r.q.name, "title",
							  r.q.title) : json_null(),
			"operator", r.f.operator_id ? json_pack("{s:I, s:s}", "id",
								(json_int_t)r.o.id, "name",
								r.o.name) : json_null(),
			"wait", times_json(&rep.wait), "length", times_json(&rep.length),
			"by_hour", hours);
	for (i = 0; i < STORE_REPORT_COUNTERS; i++)
		json_object_set_new(obj, counter_names[i], json_integer(rep.counter[i]));
	json_object_set_new(obj, "survey_rating_average", rating_average(&rep) < 0 ? json_null()
			    : json_real(rating_average(&rep)));
	http_json(req, 200, obj);
}

/* ---- CSV -------------------------------------------------------------------------- */

/*
 * One CSV cell: quoted when it holds a comma, quote or line break, and
 * with an apostrophe before a first character a spreadsheet would start a
 * formula with (CSV injection).
 */
static void csv_cell(FILE *f, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', f);
	if (strchr("=+-@\t\r", s[0]) && s[0])
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void csv_row(FILE *f, const char *name, const char *value)
{
	csv_cell(f, name);
	fputc(',', f);
	csv_cell(f, value);
	fputs("\r\n", f);
}

static void csv_number(FILE *f, const char *name, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	csv_row(f, name, buf);
}

static void csv_times(FILE *f, const char *what, const struct store_report_times *t)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_count", what);
	csv_number(f, name, t->count);
	snprintf(name, sizeof(name), "%s_p50_seconds", what);
	csv_number(f, name, t->p50);
	snprintf(name, sizeof(name), "%s_p90_seconds", what);
	csv_number(f, name, t->p90);
}

static void csv_write(FILE *f, const struct report_req *r, const struct store_report *rep)
{
	char id[24];
	int i, h;

	csv_row(f, "figure", "value");
	csv_row(f, "from", r->from);
	csv_row(f, "to", r->to);
	csv_row(f, "time_zone", r->zone);
	csv_row(f, "queue", r->f.queue_id ? r->q.name : "");
	csv_row(f, "queue_title", r->f.queue_id ? r->q.title : "");
	snprintf(id, sizeof(id), "%lld", (long long)r->f.operator_id);
	csv_row(f, "operator_id", r->f.operator_id ? id : "");
	csv_row(f, "operator", r->f.operator_id ? r->o.name : "");
	for (i = 0; i < STORE_REPORT_FOLLOWUPS; i++)
		csv_number(f, counter_names[i], rep->counter[i]);
	csv_times(f, "wait", &rep->wait);
	csv_times(f, "length", &rep->length);
	/* Figures added later go last, so a reader of older files finds each where it was. */
	for (i = STORE_REPORT_FOLLOWUPS; i < STORE_REPORT_COUNTERS; i++)
		csv_number(f, counter_names[i], rep->counter[i]);
	if (rating_average(rep) < 0) {
		csv_row(f, "survey_rating_average", "");
	} else {
		snprintf(id, sizeof(id), "%.2f", rating_average(rep));
		csv_row(f, "survey_rating_average", id);
	}
	/* The heat map: a blank line, then a table with the hours across. */
	fputs("\r\nday", f);
	for (h = 0; h < 24; h++)
		fprintf(f, ",%02d", h);
	fputs("\r\n", f);
	for (i = 0; i < 7; i++) {
		fputs(weekdays[i], f);
		for (h = 0; h < 24; h++)
			fprintf(f, ",%lld", (long long)rep->by_hour[i][h]);
		fputs("\r\n", f);
	}
}

static void get_report_csv(struct http_req *req, HTTP_PARAMS)
{
	struct report_req r;
	struct store_report rep;
	char *body = NULL, disp[96];
	size_t len = 0;
	FILE *f;

	(void)params;
	if (report_of(req, &r, &rep) < 0)
		return;
	f = open_memstream(&body, &len);
	if (!f)
		abort(); /* out of memory */
	csv_write(f, &r, &rep);
	if (fclose(f))
		abort();
	snprintf(disp, sizeof(disp), "attachment; filename=\"refdesk-report-%s-%s.csv\"", r.from,
		 r.to);
	http_header(req, "content-disposition:", disp);
	http_header(req, "cache-control:", "no-store");
	http_respond(req, 200, "text/csv; charset=utf-8", body, len);
}

/* ---- the page ----------------------------------------------------------------------- */

static void page_reports(struct http_req *req, HTTP_PARAMS)
{
	int64_t operator_id;
	struct store_operator o;

	(void)params;
	/* As the admin page: signed out, the page sends the browser to sign in. */
	if (req->wsi &&
	    caller_session_of_req(req, caller_of(req)->session_hash, &operator_id) == 0 &&
	    store_operator_get(req_app(req)->st, operator_id, &o) == 0 && !o.disabled && !o.is_admin) {
		http_error_page(req, 403, AUDIENCE_STAFF, NULL);
		return;
	}
	pages_staff_page(req, "reports/index.html");
}

const struct http_route reports_routes[] = {
	{ HTTP_GET, "/api/reports", ACCESS_ADMIN, NULL, get_report },
	{ HTTP_GET, "/api/reports.csv", ACCESS_ADMIN, NULL, get_report_csv },
	{ HTTP_GET, "/staff/reports", 0, NULL, page_reports },
};
const size_t reports_nroutes = ARRAY_SIZE(reports_routes);

void reports_print_limits(FILE *out)
{
	limit_print(out, "report_days", REPORT_DAYS_MAX, "days", "dates one report may span");
}
