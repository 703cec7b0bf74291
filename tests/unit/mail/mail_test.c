/*
 * mail_test.c - what reaches a mail's headers: the address and sender
 * checks, and mail_compose()'s headers and body, against header injection.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mail/mail.h"

static void plain_addresses_pass(void)
{
	CHECK(mail_address_ok("pat@example.org"));
	CHECK(mail_address_ok("a.b+tag@sub.example.co.uk"));
	CHECK(mail_address_ok("o'brien@example.ie"));
	CHECK(mail_address_ok("x@a-b.example"));
	CHECK(mail_address_ok("x@123.example"));
	CHECK(mail_address_ok("x@example.c0m"));
}

static void tricky_addresses_fail(void)
{
	static const char *const bad[] = {
		"", "pat", "pat@", "@example.org", "pat@localhost", "pat@@example.org",
		"\"pat\"@example.org", "pat@example.org\r\nBcc: x@example.net",
		"pat@example.org\nBcc: x@example.net", "pa t@example.org", ".pat@example.org",
		"pat.@example.org", "pa..t@example.org", "pat@-example.org", "pat@example-.org",
		"pat@example..org", "pat@[127.0.0.1]", "pat@example.org>", "<pat@example.org",
		"pat@exa_mple.org", "p\xc3\xa4t@example.org",
		/* A raw IP host: the last label must have a letter. */
		"pat@127.0.0.1", "pat@10.0.0.1", "pat@example.123", "pat@1-2.3-4",
	};
	char long_local[80], long_host[300];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mail_address_ok(bad[i]))
			printf("  passed: \"%s\"\n", bad[i]);
		CHECK(!mail_address_ok(bad[i]));
	}
	memset(long_local, 'p', 65);
	strcpy(long_local + 65, "@example.org");
	CHECK(!mail_address_ok(long_local));
	strcpy(long_host, "pat@");
	memset(long_host + 4, 'a', 250);
	strcpy(long_host + 254, ".org");
	CHECK(!mail_address_ok(long_host));
}

static void senders(void)
{
	char addr[MAIL_ADDRESS_MAX + 1];

	CHECK(mail_from_ok("ask@lib.example", addr) && !strcmp(addr, "ask@lib.example"));
	CHECK(mail_from_ok("Ask a Librarian <ask@lib.example>", addr) && !strcmp(addr, "ask@lib.example"));
	CHECK(!mail_from_ok("Ask <ask@lib.example>\r\nBcc: x@y.example", addr));
	CHECK(!mail_from_ok("\"Ask\" <ask@lib.example>", addr));
	CHECK(!mail_from_ok("Ask, Inc <ask@lib.example>", addr));
	CHECK(!mail_from_ok("Ask <ask@lib.example", addr));
	CHECK(!mail_from_ok("Bibliothèque <ask@lib.example>", addr));
}

/* A display name of up to 200 characters passes, a longer one not; the To header stays whole. */
static void long_senders(void)
{
	char from[400], to[MAIL_ADDRESS_MAX + 1], addr[MAIL_ADDRESS_MAX + 1], *msg, *want;
	size_t len;

	memset(from, 'A', MAIL_FROM_NAME_MAX - 1);
	strcpy(from + MAIL_FROM_NAME_MAX - 1, " <ask@lib.example>");
	CHECK(mail_from_ok(from, addr));
	memset(from, 'A', MAIL_FROM_NAME_MAX);
	strcpy(from + MAIL_FROM_NAME_MAX, " <ask@lib.example>");
	CHECK(!mail_from_ok(from, addr));
	memset(from, 'A', MAIL_FROM_NAME_MAX - 1);
	strcpy(from + MAIL_FROM_NAME_MAX - 1, " <ask@lib.example>");
	memset(to, 'p', 64);
	to[64] = '@';
	memset(to + 65, 'a', 60);
	strcpy(to + 125, ".example");
	CHECK(mail_address_ok(to));
	msg = mail_compose(from, to, "Hi", "Body", &len);
	CHECK(msg != NULL);
	if (!msg)
		return;
	want = malloc(strlen(to) + 16);
	sprintf(want, "\r\nTo: <%s>\r\n", to);
	CHECK(strstr(msg, want) != NULL);
	CHECK(strstr(msg, "\r\nSubject:") != NULL);
	free(want);
	free(msg);
}

/* Every header line of `msg` is one of the five the composer writes, or a folded subject. */
static int headers_are_ours(const char *msg)
{
	static const char *const names[] = { "From: ", "To: ", "Subject:", "Date: ", "Message-ID: ",
					     "Auto-Submitted: ", "MIME-Version: ", "Content-Type: ",
					     "Content-Transfer-Encoding: ", " =?UTF-8?B?" };
	const char *line = msg, *end = strstr(msg, "\r\n\r\n");
	size_t i;

	while (line < end) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strncmp(line, names[i], strlen(names[i])))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			printf("  a header line of its own: %.40s\n", line);
			return 0;
		}
		line = strstr(line, "\r\n") + 2;
	}
	return 1;
}

static void composed_headers_hold_only_what_we_wrote(void)
{
	size_t len = 0;
	char *msg = mail_compose("Ask <ask@lib.example>", "pat@example.org",
				 "Answer to your question — Ask a Librarian, with a long title that folds",
				 "Line one\nBcc: victim@example.net\n.\nMAIL FROM:<x@y.example>\n", &len);

	CHECK(msg != NULL);
	if (!msg)
		return;
	CHECK_EQ(len, strlen(msg));
	CHECK(!strncmp(msg, "From: Ask <ask@lib.example>\r\nTo: <pat@example.org>\r\nSubject: =?UTF-8?B?", 71));
	CHECK(headers_are_ours(msg));
	CHECK(strstr(msg, "Content-Transfer-Encoding: base64\r\n\r\n") != NULL);
	/* The body is base64: the patron's words appear nowhere in the clear. */
	CHECK(strstr(msg, "Bcc") == NULL && strstr(msg, "MAIL FROM") == NULL);
	CHECK(strstr(msg, "\r\n.\r\n") == NULL);
	free(msg);
}

static void bad_parts_compose_nothing(void)
{
	size_t len;

	CHECK(mail_compose("ask@lib.example", "pat@example.org\r\nBcc: x@y.example", "S", "t", &len) == NULL);
	CHECK(mail_compose("ask@lib.example", "pat@example.org", "Subject\r\nBcc: x@y.example", "t", &len) == NULL);
	CHECK(mail_compose("not a sender", "pat@example.org", "S", "t", &len) == NULL);
}

int main(void)
{
	RUN(plain_addresses_pass);
	RUN(tricky_addresses_fail);
	RUN(senders);
	RUN(long_senders);
	RUN(composed_headers_hold_only_what_we_wrote);
	RUN(bad_parts_compose_nothing);
	CHECK_EXIT();
}
