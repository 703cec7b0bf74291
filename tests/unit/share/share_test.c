/*
 * share_test.c - the screensharing rules (share/share.h) and TURN
 * credentials (share/ice.h), without sockets.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "share/ice.h"
#include "share/share.h"

static int guest_sock, guest_other, viewer, viewer_other;

#define OFFER "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
#define ANSWER "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" \
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\n"

static bool offer_ok(const char *sdp, bool relay)
{
	return share_check_offer(sdp, strlen(sdp), relay) == NULL;
}

static bool answer_ok(const char *sdp, bool relay)
{
	return share_check_answer(sdp, strlen(sdp), relay) == NULL;
}

static void test_flow(void)
{
	struct share s = { 0 };

	CHECK_EQ(share_offer(&s, &guest_sock, 1250, SHARE_FRAME_MS), -ENOENT); /* nothing invited */
	CHECK_EQ(share_invite(&s, 7, &viewer, 1000, 5000), 0);
	CHECK_EQ(s.number, 1);
	CHECK_EQ(share_offer(&s, &guest_sock, 1250, SHARE_FRAME_MS), -ENOENT); /* not accepted yet */
	CHECK_EQ(share_invite(&s, 7, &viewer, 1100, 5000), 0);    /* replaces the invitation */
	CHECK_EQ(s.number, 2);
	CHECK_EQ(share_reply(&s, &guest_sock, true, 1200), 0);
	CHECK_EQ(s.state, SHARE_ACCEPTED);
	CHECK_EQ(share_invite(&s, 7, &viewer, 1300, 5000), -EBUSY); /* one share per chat */
	CHECK_EQ(share_offer(&s, &guest_other, 1250, SHARE_FRAME_MS), -EPERM); /* another guest socket */
	CHECK(share_peer(&s, &guest_sock) == NULL);               /* no offer yet */
	CHECK_EQ(share_offer(&s, &guest_sock, 1250, SHARE_FRAME_MS), 0);
	CHECK_EQ(share_answer(&s, &viewer_other), -EPERM);        /* another operator socket */
	CHECK_EQ(share_answer(&s, &guest_sock), -EPERM);
	CHECK_EQ(share_answer(&s, &viewer), 0);
	CHECK_EQ(s.state, SHARE_LIVE);
	CHECK_EQ(share_answer(&s, &viewer), -ENOENT);             /* nothing left to answer */
	CHECK(share_peer(&s, &guest_sock) == &viewer);
	CHECK(share_peer(&s, &viewer) == &guest_sock);
	CHECK(share_peer(&s, &viewer_other) == NULL);
	CHECK(share_expired(&s, 1250 + SHARE_FRAME_MS));         /* until a frame is shown… */
	CHECK_EQ(share_show(&s, &viewer), 0);
	CHECK(!share_expired(&s, 1e12));                          /* …then a live share does not expire */
	share_reset(&s);
	CHECK(!share_busy(&s));
	CHECK_EQ(s.number, 2);
}

static void test_expiry_and_decline(void)
{
	struct share s = { 0 };

	CHECK_EQ(share_reply(&s, &guest_sock, true, 0), -ENOENT);
	share_invite(&s, 7, &viewer, 1000, 5000);
	CHECK(!share_expired(&s, 5999));
	CHECK(share_expired(&s, 6000));
	CHECK_EQ(share_reply(&s, &guest_sock, true, 6000), -ETIMEDOUT);
	CHECK(!share_busy(&s));
	share_invite(&s, 7, &viewer, 7000, 5000);
	CHECK_EQ(share_reply(&s, &guest_sock, false, 7001), 0);
	CHECK(!share_busy(&s));
	/* Accepted but no screen chosen in time. */
	share_invite(&s, 7, &viewer, 8000, 5000);
	share_reply(&s, &guest_sock, true, 8001);
	CHECK(!share_expired(&s, 8001 + SHARE_CONSENT_MS - 1));
	CHECK(share_expired(&s, 8001 + SHARE_CONSENT_MS));
	/* An expired invitation does not block a new one. */
	CHECK_EQ(share_invite(&s, 7, &viewer, 8001 + SHARE_CONSENT_MS, 5000), 0);
}

/* "started" needs the viewer's word that a frame arrived; failure is the viewer's word too. */
static void test_shown_and_failed(void)
{
	struct share s = { 0 };

	share_invite(&s, 7, &viewer, 1000, 5000);
	CHECK_EQ(share_fail(&s, &viewer), -ENOENT);               /* nothing accepted yet */
	share_reply(&s, &guest_sock, true, 1100);
	CHECK_EQ(share_show(&s, &viewer), -ENOENT);               /* no offer, no answer */
	CHECK_EQ(share_offer(&s, &guest_sock, 2000, SHARE_FRAME_MS), 0);
	CHECK_EQ(share_show(&s, &viewer), -ENOENT);               /* not answered yet */
	CHECK_EQ(share_answer(&s, &viewer), 0);
	CHECK_EQ(share_show(&s, &guest_sock), -EPERM);            /* the guest cannot say it */
	CHECK_EQ(share_show(&s, &viewer_other), -EPERM);          /* nor another operator socket */
	CHECK_EQ(share_fail(&s, &guest_sock), -EPERM);
	CHECK_EQ(share_fail(&s, &viewer_other), -EPERM);
	CHECK(!s.shown);
	/* Offered and answered, but no frame: the wait for one runs out. */
	CHECK(!share_expired(&s, 2000 + SHARE_FRAME_MS - 1));
	CHECK(share_expired(&s, 2000 + SHARE_FRAME_MS));
	CHECK_EQ(share_fail(&s, &viewer), 0);                     /* nothing shown: a failure */
	CHECK_EQ(share_show(&s, &viewer), 0);
	CHECK(s.shown);
	CHECK(!share_expired(&s, 1e12));                          /* shown: no more deadline */
	CHECK_EQ(share_show(&s, &viewer), -EALREADY);             /* once */
	CHECK_EQ(share_fail(&s, &viewer), -EALREADY);             /* seen, then broken: a stop */
	/* A renegotiation keeps what was seen, and sets no new deadline. */
	CHECK_EQ(share_offer(&s, &guest_sock, 1e9, SHARE_FRAME_MS), 0);
	CHECK(s.shown);
	CHECK(!share_expired(&s, 1e12));
	CHECK_EQ(share_show(&s, &viewer), -EALREADY);
	/* A new share starts unseen. */
	share_reset(&s);
	CHECK(!s.shown);
	share_invite(&s, 7, &viewer, 3000, 5000);
	CHECK(!s.shown);
	CHECK_EQ(share_show(&s, &viewer), -ENOENT);
}

static void test_sdp(void)
{
	CHECK(offer_ok(OFFER, true));
	CHECK(answer_ok(ANSWER, true));
	CHECK(!answer_ok(OFFER, true));                          /* the operator may not send */
	CHECK(!offer_ok(ANSWER, true));
	CHECK(!offer_ok("v=0\r\nm=audio 9 RTP/AVP 0\r\na=sendonly\r\n", false));
	CHECK(!offer_ok(OFFER "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n", false));
	CHECK(!answer_ok("v=0\r\nm=video 9 RTP/AVP 96\r\n", false)); /* no direction: sendrecv */
	CHECK(!answer_ok("v=0\r\na=sendrecv\r\nm=video 9 RTP/AVP 96\r\n", false));
	CHECK(answer_ok("v=0\r\na=sendrecv\r\nm=video 9 RTP/AVP 96\r\na=recvonly\r\n", false));
	CHECK(answer_ok("v=0\r\nm=video 0 RTP/AVP 96\r\na=inactive\r\n", false));
	CHECK(!offer_ok("", false));
	CHECK(!offer_ok("hello", false));
	CHECK(!offer_ok("v=0\r\n", false));                      /* no media */
	CHECK(!offer_ok("v=0\r\ns=\x01\r\nm=video 9 RTP/AVP 96\r\na=sendonly\r\n", false));
	CHECK(offer_ok(OFFER "a=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n", false));
	CHECK(!offer_ok(OFFER "a=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n", true));
	CHECK(!offer_ok(OFFER "a=candidate:1 1 udp 1 192.0.2.1 5000 typ martian\r\n", false));
	/* Bare LF line ends, as some clients write them. */
	CHECK(offer_ok("v=0\nm=video 9 RTP/AVP 96\na=sendonly\n", false));
	{
		char big[SHARE_SDP_MAX + 64];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, OFFER, strlen(OFFER));
		CHECK(!offer_ok(big, false));
	}
	{
		char six[1024] = "v=0\r\n";
		int i;

		for (i = 0; i < 5; i++)
			strcat(six, "m=video 9 RTP/AVP 96\r\na=sendonly\r\n");
		CHECK(!offer_ok(six, false));                 /* more than four sections */
	}
}

static void test_candidates(void)
{
	const char *relay = "candidate:1 1 udp 41885695 127.0.0.1 50000 typ relay raddr 192.0.2.7 rport 61000 generation 0";
	const char *host = "candidate:2 1 udp 2122260223 192.0.2.7 61000 typ host generation 0";
	char out[SHARE_CANDIDATE_MAX + 16];
	size_t n;

	CHECK(share_check_candidate("", 0, true) == NULL);
	CHECK(share_check_candidate(relay, strlen(relay), true) == NULL);
	CHECK(share_check_candidate(host, strlen(host), false) == NULL);
	CHECK(share_check_candidate(host, strlen(host), true) != NULL);
	CHECK(share_check_candidate("typ relay", 9, false) != NULL);
	CHECK(share_check_candidate("candidate:1 typ", 15, false) != NULL);
	CHECK(share_check_candidate("candidate:1 typ ", 16, false) != NULL);
	CHECK(share_check_candidate("candidate:1 typ relay\n", 22, false) != NULL);
	n = share_clean_candidate(relay, strlen(relay), out);
	CHECK_EQ(n, strlen(out));
	CHECK(!strcmp(out, "candidate:1 1 udp 41885695 127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0 generation 0"));
	/* The longest growth: an empty address and port become 0.0.0.0 and 0. */
	n = share_clean_candidate("candidate:1 typ relay raddr  rport ", 35, out);
	CHECK(!strcmp(out, "candidate:1 typ relay raddr 0.0.0.0 rport 0"));
	n = share_clean_candidate(host, strlen(host), out);
	CHECK(!strcmp(out, host));
}

static void test_turn_credential(void)
{
	char user[ICE_USER_MAX], pass[ICE_PASS_MAX];

	/* The password is base64(HMAC-SHA1(secret, user)), as OpenSSL or Node compute it. */
	CHECK_EQ(ice_turn_credential("north", 1700000000, "alice", user, pass), 0);
	CHECK(!strcmp(user, "1700000000:alice"));
	CHECK(!strcmp(pass, "Cd/49soE35ICqcJF/bCTn8Z4OyE="));
	CHECK_EQ(ice_turn_credential("north", 1, "a:b", user, pass), -EINVAL);
	CHECK_EQ(ice_turn_credential("north", 1, "", user, pass), -EINVAL);
}

static void test_chat_rules(void)
{
	struct share s = { 0 };

	/* Screensharing happens only in a chat someone holds. */
	CHECK_EQ(share_chat_allows(CHAT_ACTIVE), 0);
	CHECK_EQ(share_chat_allows(CHAT_WAITING), -EAGAIN);
	CHECK_EQ(share_chat_allows(CHAT_ENDED), -ECANCELED);
	/* The guest's stop answers an invitation; a share is stopped. */
	CHECK(!share_stop_declines(&s, true));
	share_invite(&s, 7, &viewer, 1000, 5000);
	CHECK(share_stop_declines(&s, true));
	CHECK(!share_stop_declines(&s, false));
	CHECK(!strcmp(share_expiry_step(&s), "expired"));
	CHECK_EQ(share_reply(&s, &guest_sock, true, 1100), 0);
	CHECK(!share_stop_declines(&s, true));
	CHECK(!strcmp(share_expiry_step(&s), "stopped"));
	CHECK_EQ(share_offer(&s, &guest_sock, 1200, 60000), 0);
	CHECK(!strcmp(share_expiry_step(&s), "failed"));
}

int main(void)
{
	RUN(test_flow);
	RUN(test_expiry_and_decline);
	RUN(test_chat_rules);
	RUN(test_shown_and_failed);
	RUN(test_sdp);
	RUN(test_candidates);
	RUN(test_turn_credential);
	return check_failures != 0;
}
