/*
 * mail.h - sending one plain-text mail through an SMTP server (libcurl),
 * and the checks on what goes into its headers.
 *
 * Only this module includes curl/curl.h.  mail_send() blocks for as long as
 * the server takes (at most the configured timeout): call it on a thread of
 * its own, never on the loop thread.  Everything else here is pure.
 */
#ifndef REFDESK_MAIL_MAIL_H
#define REFDESK_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#define MAIL_ADDRESS_MAX 254  /* bytes of an address (RFC 5321's path limit, less <>) */
#define MAIL_ERROR_BYTES 160

struct mail_config {
	const char *url;      /* smtp://HOST:PORT (STARTTLS, required) or smtps://HOST:PORT */
	const char *user;     /* NULL: no authentication */
	const char *password; /* read from --smtp-password-file; borrowed */
	const char *from;     /* "ask@library.example" or "Library <ask@library.example>" */
	const char *ca_file;  /* PEM CA bundle to verify the server with; NULL: the system's */
	int timeout_secs;
};

/* Start libcurl; once, before any thread runs.  0 or -EIO. */
int mail_global_init(void);
void mail_global_cleanup(void);

/*
 * Is `s` one plain address local@domain.tld: printable ASCII, no space, no
 * quotes, no CR or LF, a dotted host name of letters, digits and hyphens,
 * whose last label has a letter, at most MAIL_ADDRESS_MAX bytes?  (Quoted local parts and raw IP hosts are
 * refused: no library patron needs them, and they are where injections hide.)
 */
bool mail_address_ok(const char *s);

/* The longest display name (with its spaces) a --smtp-from may have. */
#define MAIL_FROM_NAME_MAX 200

/*
 * Is `from` a valid --smtp-from, "ADDRESS" or "Display Name <ADDRESS>" in
 * printable ASCII, the name at most MAIL_FROM_NAME_MAX characters?  Copies
 * the bare address into `addr` (MAIL_ADDRESS_MAX + 1).
 */
bool mail_from_ok(const char *from, char *addr);

/*
 * The whole message, headers and body, with CRLF line ends: From, To,
 * Subject (RFC 2047, UTF-8), Date, Message-ID, MIME-Version and a
 * text/plain UTF-8 body in base64, so no line of `text` can be read as a
 * header or end the SMTP data.  `to` must pass mail_address_ok() and
 * `subject` must hold no control character (checked: NULL otherwise).
 * Returns a new string (you own it) and its length in *len.
 */
char *mail_compose(const char *from, const char *to, const char *subject, const char *text,
		   size_t *len);

/*
 * Send `message` (mail_compose()'s) to `to` through cfg's server, requiring
 * TLS (STARTTLS on smtp://) and logging in when cfg->user is set.  Blocks.
 * 0, or -EIO with a short reason in `err` (never the address).
 */
int mail_send(const struct mail_config *cfg, const char *to, const char *message, size_t len,
	      char err[MAIL_ERROR_BYTES]);

#endif
