/*
 * auth.c - see auth.h.
 */
#include "auth/auth.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

int auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int auth_password_hash(char out[AUTH_PWHASH_MAX], const char *password)
{
	if (crypto_pwhash_str(out, password, strlen(password),
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;
	return 0;
}

bool auth_password_verify(const char *stored, const char *password)
{
	if (strncmp(stored, crypto_pwhash_STRPREFIX, strlen(crypto_pwhash_STRPREFIX)) != 0)
		return false;
	return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

static void make_dummy(void)
{
	auth_password_hash(dummy_hash, "refdesk-no-such-user");
}

void auth_password_burn(const char *password)
{
	pthread_once(&dummy_once, make_dummy);
	if (crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
		return; /* cannot happen: no one knows the dummy's password */
}

void auth_token_hash(unsigned char out[AUTH_HASH_BYTES], const char *token)
{
	crypto_generichash(out, AUTH_HASH_BYTES, (const unsigned char *)token,
			   strlen(token), NULL, 0);
}

bool auth_secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

bool auth_secret_equal_bytes(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void auth_password_generate(char *out, size_t len)
{
	/* No 0/O, 1/l/I: the password is read off a console and typed. */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t i;

	if (len > 40)
		len = 40;
	for (i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[len] = '\0';
}
