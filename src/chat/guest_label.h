/*
 * guest_label.h - the short label that tells unnamed guests apart.
 *
 * A guest who gives no name is shown as "Guest 7F3K": four characters
 * derived from the chat's public id, so the label is the same on every page
 * and in every export without being stored, and two guests waiting at the
 * same time almost never share one (about one chance in a million).  The
 * characters come from Crockford's base 32 alphabet, which leaves out I, L,
 * O and U so a label read aloud or copied by hand is not mistaken.
 *
 * Plain C, no I/O.
 */
#ifndef REFDESK_CHAT_GUEST_LABEL_H
#define REFDESK_CHAT_GUEST_LABEL_H

#include <stddef.h>

#define GUEST_LABEL_MAX 16 /* "Guest XXXX" and its NUL, with room to spare */

/*
 * Write the label of the chat `public_id` into `out` (at least
 * GUEST_LABEL_MAX bytes): "Guest " and four characters.
 */
void guest_label(const char *public_id, char *out, size_t size);

#endif
