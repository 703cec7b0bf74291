/*
 * mail.c - see mail.h.
 *
 * How it works: mail_compose() writes every header itself from checked
 * parts (addresses that passed mail_address_ok(), a subject encoded as
 * RFC 2047 words) and puts the body in base64, so nothing a patron or an
 * operator typed can start a header line or a "." that ends the SMTP
 * data.  mail_send() hands the finished message to libcurl's SMTP with
 * TLS required (CURLUSESSL_ALL: STARTTLS on smtp://, TLS from the start on
 * smtps://), the certificate verified, and only the SMTP protocols
 * allowed.
 */
#include "mail/mail.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

int mail_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void mail_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- checks ------------------------------------------------------------------------- */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A dot-atom's character (RFC 5322 atext), without the quoted forms. */
static bool is_atext(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

static bool domain_ok(const char *d, size_t n)
{
	size_t label = 0, labels = 0, i;
	bool alpha = false; /* the last label has a letter: no raw IP host (127.0.0.1) */

	for (i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (!label || d[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			alpha = false;
		} else if (is_alnum(d[i]) || (d[i] == '-' && label)) {
			if (++label > 63)
				return false;
			alpha |= (d[i] | 0x20) >= 'a' && (d[i] | 0x20) <= 'z';
		} else {
			return false;
		}
	}
	return label && d[n - 1] != '-' && labels >= 1 && alpha;
}

bool mail_address_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s), local, i;

	if (!at || n > MAIL_ADDRESS_MAX || strchr(at + 1, '@'))
		return false;
	local = (size_t)(at - s);
	if (!local || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++)
		if (!(is_atext(s[i]) || (s[i] == '.' && s[i + 1] != '.')))
			return false;
	return domain_ok(at + 1, n - local - 1);
}

bool mail_from_ok(const char *from, char *addr)
{
	const char *lt = strchr(from, '<');
	size_t n;
	const char *p;

	for (p = from; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return false;
	if (!lt) {
		n = strlen(from);
		if (n > MAIL_ADDRESS_MAX)
			return false;
		memcpy(addr, from, n + 1);
		return mail_address_ok(addr);
	}
	/* "Name <addr>": the name may not hold the characters that end or quote it. */
	if ((size_t)(lt - from) > MAIL_FROM_NAME_MAX)
		return false;
	for (p = from; p < lt; p++)
		if (strchr("<>\"\\,;:@()[]", *p))
			return false;
	n = strlen(lt + 1);
	if (n < 2 || lt[n] != '>' || n - 1 > MAIL_ADDRESS_MAX)
		return false;
	memcpy(addr, lt + 1, n - 1);
	addr[n - 1] = '\0';
	return mail_address_ok(addr);
}

/* ---- composing ---------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void put_n(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = grow_cap(b->cap, b->len + n + 1);
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put(struct buf *b, const char *s)
{
	put_n(b, s, strlen(s));
}

static void put_base64(struct buf *b, const unsigned char *d, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
			     (i + 2 < n ? d[i + 2] : 0);

		q[0] = abc[v >> 18 & 63];
		q[1] = abc[v >> 12 & 63];
		q[2] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? abc[v & 63] : '=';
		put_n(b, q, 4);
	}
}

/*
 * The subject as RFC 2047 words of at most 45 bytes of UTF-8 each (cut on
 * a character boundary), one per folded line: each word stays under the
 * 75 characters the RFC allows.
 */
static void put_subject(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0, take;

	put(b, "Subject:");
	while (i < n || !n) {
		take = n - i > 45 ? 45 : n - i;
		while (take && i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80)
			take--;
		put(b, " =?UTF-8?B?");
		put_base64(b, (const unsigned char *)s + i, take);
		put(b, "?=\r\n");
		i += take;
		if (!n)
			break;
	}
}

/* The body: LF becomes CRLF, then base64 in lines of 76. */
static void put_body(struct buf *b, const char *text)
{
	struct buf crlf = { 0 };
	const char *p;
	size_t i;

	for (p = text; *p; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			put_n(&crlf, "\r\n", 2);
		else
			put_n(&crlf, p, 1);
	}
	for (i = 0; i < crlf.len; i += 57) {
		put_base64(b, (unsigned char *)crlf.p + i, crlf.len - i > 57 ? 57 : crlf.len - i);
		put(b, "\r\n");
	}
	free(crlf.p);
}

char *mail_compose(const char *from, const char *to, const char *subject, const char *text,
		   size_t *len)
{
	char addr[MAIL_ADDRESS_MAX + 1], line[400], id[24];
	struct buf b = { 0 };
	const char *host, *p;
	time_t now = time(NULL);
	struct tm tm;

	if (!mail_from_ok(from, addr) || !mail_address_ok(to))
		return NULL;
	for (p = subject; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	host = strchr(addr, '@') + 1;
	gmtime_r(&now, &tm);
	/* Appended whole: a fixed line could cut the To header off a long From. */
	put(&b, "From: ");
	put(&b, from);
	put(&b, "\r\nTo: <");
	put(&b, to);
	put(&b, ">\r\n");
	put_subject(&b, subject);
	strftime(line, sizeof(line), "Date: %a, %d %b %Y %H:%M:%S +0000\r\n", &tm);
	put(&b, line);
	snprintf(line, sizeof(line), "Message-ID: <%s@%s>\r\n", rand_token(id, 16), host);
	put(&b, line);
	put(&b, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	put_body(&b, text);
	*len = b.len;
	return b.p;
}

/* ---- sending ------------------------------------------------------------------------ */

struct reader {
	const char *p;
	size_t left;
};

static size_t read_message(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb < r->left ? size * nmemb : r->left;

	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

int mail_send(const struct mail_config *cfg, const char *to, const char *message, size_t len,
	      char err[MAIL_ERROR_BYTES])
{
	char from[MAIL_ADDRESS_MAX + 3], rcpt[MAIL_ADDRESS_MAX + 3], addr[MAIL_ADDRESS_MAX + 1];
	struct reader r = { message, len };
	struct curl_slist *rcpts = NULL;
	CURL *c;
	CURLcode rc;

	err[0] = '\0';
	if (!mail_from_ok(cfg->from, addr) || !mail_address_ok(to)) {
		snprintf(err, MAIL_ERROR_BYTES, "bad address");
		return -EINVAL;
	}
	snprintf(from, sizeof(from), "<%s>", addr);
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	if (!(c = curl_easy_init())) {
		snprintf(err, MAIL_ERROR_BYTES, "cannot start libcurl");
		return -EIO;
	}
	rcpts = curl_slist_append(NULL, rcpt);
	curl_easy_setopt(c, CURLOPT_URL, cfg->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(cfg->timeout_secs > 0 ? cfg->timeout_secs : 60));
	rc = curl_easy_perform(c);
	/* curl's words only: a server's reply may quote the address. */
	if (rc != CURLE_OK)
		snprintf(err, MAIL_ERROR_BYTES, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -EIO;
}
