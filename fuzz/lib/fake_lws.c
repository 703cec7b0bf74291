/*
 * fake_lws.c - see fake_lws.h.  Each function below has libwebsockets'
 * own prototype (from its header) and does the least that lets refdesk's
 * code behave as it would on a real connection.
 */
#include <libwebsockets.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_lws.h"

static const struct {
	const char *name;
	enum lws_token_indexes token;
} known[] = {
	{ "content-type", WSI_TOKEN_HTTP_CONTENT_TYPE },
	{ "origin", WSI_TOKEN_ORIGIN },
	{ "if-none-match", WSI_TOKEN_HTTP_IF_NONE_MATCH },
	{ "host", WSI_TOKEN_HOST },
	{ "authorization", WSI_TOKEN_HTTP_AUTHORIZATION },
	{ "content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH },
	{ "accept-encoding", WSI_TOKEN_HTTP_ACCEPT_ENCODING },
	{ "cookie", WSI_TOKEN_HTTP_COOKIE },
};

struct lws *fake_lws_new(void)
{
	return calloc(1, sizeof(struct lws));
}

void fake_lws_free(struct lws *wsi)
{
	int i;

	if (!wsi)
		return;
	for (i = 0; i < (int)(sizeof(wsi->token) / sizeof(wsi->token[0])); i++)
		free(wsi->token[i]);
	for (i = 0; i < wsi->ncustom; i++) {
		free(wsi->custom_name[i]);
		free(wsi->custom_value[i]);
	}
	free(wsi->out);
	free(wsi);
}

static void set_token(struct lws *wsi, int token, const char *value)
{
	free(wsi->token[token]);
	wsi->token[token] = strdup(value);
}

void fake_lws_header(struct lws *wsi, const char *name, const char *value)
{
	char lower[128];
	size_t i, n = strlen(name);

	if (n + 2 > sizeof(lower))
		return;
	for (i = 0; i < n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[n] = '\0';
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(lower, known[i].name)) {
			set_token(wsi, known[i].token, value);
			return;
		}
	}
	if (wsi->ncustom >= FAKE_HEADERS)
		return;
	lower[n] = ':';
	lower[n + 1] = '\0';
	wsi->custom_name[wsi->ncustom] = strdup(lower);
	wsi->custom_value[wsi->ncustom++] = strdup(value);
}

const char *fake_lws_header_value(struct lws *wsi, const char *name)
{
	char lower[128];
	size_t i, n = strlen(name);
	int k;

	if (n + 2 > sizeof(lower))
		return NULL;
	for (i = 0; i < n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[n] = '\0';
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(lower, known[i].name))
			return wsi->token[known[i].token];
	lower[n] = ':';
	lower[n + 1] = '\0';
	for (k = 0; k < wsi->ncustom; k++)
		if (!strcmp(wsi->custom_name[k], lower))
			return wsi->custom_value[k];
	return NULL;
}

void fake_lws_request(struct lws *wsi, const char *method, const char *uri)
{
	int token = !strcmp(method, "GET")     ? WSI_TOKEN_GET_URI :
		    !strcmp(method, "POST")    ? WSI_TOKEN_POST_URI :
		    !strcmp(method, "OPTIONS") ? WSI_TOKEN_OPTIONS_URI :
		    !strcmp(method, "PUT")     ? WSI_TOKEN_PUT_URI :
						 WSI_TOKEN_DELETE_URI;

	set_token(wsi, token, uri);
}

void fake_lws_clear_output(struct lws *wsi)
{
	free(wsi->out);
	wsi->out = NULL;
	wsi->out_len = 0;
	wsi->frames = 0;
}

static void append(struct lws *wsi, const void *data, size_t len)
{
	wsi->out = realloc(wsi->out, wsi->out_len + len + 2);
	memcpy(wsi->out + wsi->out_len, data, len);
	wsi->out_len += len;
	wsi->out[wsi->out_len] = '\0';
}

/* lws copies only into a buffer with room for the value and its NUL. */
static int copy_value(const char *value, char *dst, int len)
{
	size_t n;

	if (len <= 0)
		return -1;
	dst[0] = '\0';
	if (!value)
		return 0;
	n = strlen(value);
	if (n + 1 > (size_t)len)
		return -1;
	memcpy(dst, value, n + 1);
	return (int)n;
}

int lws_hdr_copy(struct lws *wsi, char *dest, int len, enum lws_token_indexes h)
{
	return copy_value(h < 128 ? wsi->token[h] : NULL, dest, len);
}

int lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h)
{
	return h < 128 && wsi->token[h] ? (int)strlen(wsi->token[h]) : 0;
}

int lws_hdr_custom_copy(struct lws *wsi, char *dst, int len, const char *name, int nlen)
{
	int i;

	for (i = 0; i < wsi->ncustom; i++)
		if ((int)strlen(wsi->custom_name[i]) == nlen &&
		    !memcmp(wsi->custom_name[i], name, (size_t)nlen))
			return copy_value(wsi->custom_value[i], dst, len);
	return -1;
}

const char *lws_get_peer_simple(struct lws *wsi, char *name, size_t namelen)
{
	(void)wsi;
	snprintf(name, namelen, "127.0.0.1");
	return name;
}

int lws_callback_on_writable(struct lws *wsi)
{
	wsi->writable++;
	return 1;
}

int lws_send_pipe_choked(struct lws *wsi)
{
	(void)wsi;
	return 0;
}

struct lws *lws_get_network_wsi(struct lws *wsi)
{
	return wsi; /* HTTP/1.1: each connection is its own */
}

/*
 * Frames a WebSocket's raw write carries: each must be a whole, unmasked
 * text frame (RFC 6455 5.2) and together they must fill the write exactly.
 */
static void append_frames(struct lws *wsi, const unsigned char *buf, size_t len)
{
	size_t at = 0, n, head;

	while (at < len) {
		if (len - at < 2 || buf[at] != 0x81 || buf[at + 1] & 0x80)
			goto bad;
		n = buf[at + 1];
		head = 2;
		if (n == 126) {
			if (len - at < 4)
				goto bad;
			n = (size_t)buf[at + 2] << 8 | buf[at + 3];
			head = 4;
			if (n < 126)
				goto bad; /* not the shortest header */
		} else if (n == 127) {
			goto bad; /* a joined write stays under 64 KiB */
		}
		if (len - at - head < n)
			goto bad;
		append(wsi, buf + at + head, n);
		append(wsi, "\n", 1);
		wsi->frames++;
		at += head + n;
	}
	return;
bad:
	fprintf(stderr, "fake lws: a raw WebSocket write that is not whole text frames, at byte %zu of %zu\n",
		at, len);
	abort();
}

int lws_write(struct lws *wsi, unsigned char *buf, size_t len, enum lws_write_protocol protocol)
{
	if (wsi->websocket && (protocol & 0x1f) == LWS_WRITE_RAW) {
		append_frames(wsi, buf, len);
		return (int)len;
	}
	append(wsi, buf, len);
	if ((protocol & 0x1f) == LWS_WRITE_TEXT) {
		append(wsi, "\n", 1);
		wsi->frames++;
	}
	return (int)len;
}

void lws_set_timer_usecs(struct lws *wsi, lws_usec_t usecs)
{
	(void)wsi;
	(void)usecs;
}

void lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs)
{
	(void)wsi;
	(void)reason;
	(void)secs;
}

int lws_is_first_fragment(struct lws *wsi)
{
	return wsi->first;
}

int lws_is_final_fragment(struct lws *wsi)
{
	return wsi->final;
}

size_t lws_remaining_packet_payload(struct lws *wsi)
{
	return wsi->remaining;
}

int lws_frame_is_binary(struct lws *wsi)
{
	return wsi->binary;
}

void lws_close_reason(struct lws *wsi, enum lws_close_status status, unsigned char *buf,
		      size_t len)
{
	(void)buf;
	(void)len;
	wsi->close_code = (int)status;
}

int lws_return_http_status(struct lws *wsi, unsigned int code, const char *html_body)
{
	(void)html_body;
	wsi->status = (int)code;
	return 0;
}

int lws_add_http_common_headers(struct lws *wsi, unsigned int code, const char *content_type,
				lws_filepos_t content_len, unsigned char **p, unsigned char *end)
{
	int n = snprintf((char *)*p, (size_t)(end - *p), "HTTP/1.1 %u\r\ncontent-type: %s\r\n",
			 code, content_type);

	(void)content_len;
	if (n < 0 || n >= end - *p)
		return 1;
	*p += n;
	wsi->status = (int)code;
	return 0;
}

int lws_add_http_header_by_name(struct lws *wsi, const unsigned char *name,
				const unsigned char *value, int length, unsigned char **p,
				unsigned char *end)
{
	int n = snprintf((char *)*p, (size_t)(end - *p), "%s %.*s\r\n", (const char *)name, length,
			 (const char *)value);

	(void)wsi;
	/* A line break in a value would let a peer write headers of its own. */
	if (length < 0 || memchr(value, '\r', (size_t)length) || memchr(value, '\n', (size_t)length) ||
	    memchr(value, '\0', (size_t)length)) {
		fprintf(stderr, "fake_lws: header %s carries a line break: %.*s\n", (const char *)name,
			length, (const char *)value);
		abort();
	}
	if (n < 0 || n >= end - *p)
		return 1;
	*p += n;
	return 0;
}

int lws_finalize_write_http_header(struct lws *wsi, unsigned char *start, unsigned char **p,
				   unsigned char *end)
{
	(void)end;
	append(wsi, start, (size_t)(*p - start));
	append(wsi, "\r\n", 2);
	return 0;
}

int lws_http_transaction_completed(struct lws *wsi)
{
	(void)wsi;
	return 0;
}
