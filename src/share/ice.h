/*
 * ice.h - short-lived TURN credentials (the "TURN REST API" scheme that
 * coturn implements with use-auth-secret): the username is
 * "<unix expiry>:<name>" and the password base64(HMAC-SHA1(secret,
 * username)), so the TURN server checks them with the shared secret alone
 * and refuses them once the expiry has passed.
 */
#ifndef REFDESK_SHARE_ICE_H
#define REFDESK_SHARE_ICE_H

#include <stdint.h>

#define ICE_USER_MAX 96
#define ICE_PASS_MAX 32 /* base64 of 20 bytes is 28 characters */

/*
 * Mint a credential for `name` (letters, digits, '_' and '-'; it tells the
 * TURN server's logs whose it is) that expires at `expires` (Unix seconds).
 * 0, or -EINVAL for a bad name.
 */
int ice_turn_credential(const char *secret, int64_t expires, const char *name,
			char user[ICE_USER_MAX], char pass[ICE_PASS_MAX]);

#endif
