/*
 * auth.h - passwords and secret tokens (libsodium).
 *
 * Passwords are stored as argon2id strings.  Hashing and verifying cost
 * ~50 ms and 64 MB each, so the server calls them on the worker pool only.
 * Secret tokens (session cookies, guest chat tokens) are stored only as
 * their BLAKE2b hash: a copy of the database does not let anyone in.
 */
#ifndef REFDESK_AUTH_AUTH_H
#define REFDESK_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_HASH_BYTES 32
#define AUTH_PWHASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 256

/* Initialise libsodium; 0 or -EIO. */
int auth_init(void);

/* Hash a password into `out` (AUTH_PWHASH_MAX bytes).  0, or -ENOMEM. */
int auth_password_hash(char out[AUTH_PWHASH_MAX], const char *password);

/* True when `password` matches the stored argon2id string. */
bool auth_password_verify(const char *stored, const char *password);

/*
 * Verify against a fixed dummy hash: the same cost as a real check, so that
 * an unknown username takes as long as a wrong password.
 */
void auth_password_burn(const char *password);

/* BLAKE2b-256 of a secret token. */
void auth_token_hash(unsigned char out[AUTH_HASH_BYTES], const char *token);

/* Constant-time comparison of two NUL-terminated secrets. */
bool auth_secret_equal(const char *a, const char *b);

/* Constant-time comparison of two byte strings of length `len`. */
bool auth_secret_equal_bytes(const void *a, const void *b, size_t len);

/* A new password of `len` (≤ 40) readable characters, for one-time use. */
void auth_password_generate(char *out, size_t len);

#endif
