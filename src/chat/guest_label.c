/*
 * guest_label.c - see guest_label.h.
 *
 * The id is hashed (FNV-1a, 64 bits, then mixed) rather than cut: the random part of a
 * public id uses letters of both cases, and "Guest abCD" and "Guest ABcd"
 * would read as the same label.  Twenty bits of the hash give four base 32
 * characters.
 */
#include "chat/guest_label.h"

#include <stdint.h>
#include <stdio.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void guest_label(const char *public_id, char *out, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char code[5];
	int i;

	for (; *public_id; public_id++) {
		h ^= (unsigned char)*public_id;
		h *= 0x100000001b3ULL;
	}
	/* FNV-1a leaves the last bytes in few bits; a final mix spreads them over all 64. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	for (i = 0; i < 4; i++)
		code[i] = alphabet[(h >> (44 + 5 * i)) & 31];
	code[4] = '\0';
	snprintf(out, size, "Guest %s", code);
}
