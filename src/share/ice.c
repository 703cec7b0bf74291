/*
 * ice.c - see ice.h.  HMAC-SHA1 comes from OpenSSL's libcrypto (libsodium
 * has no SHA-1), which libwebsockets links already.
 */
#include "share/ice.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

int ice_turn_credential(const char *secret, int64_t expires, const char *name,
			char user[ICE_USER_MAX], char pass[ICE_PASS_MAX])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t i, n = strlen(name);
	int len;

	if (n == 0 || n > 64)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    name[i]))
			return -EINVAL;
	len = snprintf(user, ICE_USER_MAX, "%lld:%s", (long long)expires, name);
	if (len < 0 || len >= ICE_USER_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)user,
		  (size_t)len, mac, &maclen) || maclen != 20)
		return -EIO;
	sodium_bin2base64(pass, ICE_PASS_MAX, mac, maclen, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}
