/*
 * jid.h - XMPP addresses as refdesk keeps them.
 *
 * Operators link a bare JID (local@domain, no resource).  XMPP compares
 * local parts and domains case-insensitively, so refdesk stores and
 * compares them lower-cased.  Only ASCII is folded: an address with other
 * letters is kept as typed (the server's own folding of those is not
 * repeated here), which at worst means such an operator types it the way
 * their server spells it.
 */
#ifndef REFDESK_XMPP_JID_H
#define REFDESK_XMPP_JID_H

#include <stddef.h>

/* RFC 7622: each part of a JID is at most 1,023 bytes. */
#define JID_PART_MAX 1023

/*
 * Check `in` as a bare JID and write it lower-cased into `out` (`size`
 * bytes).  0, or -EINVAL (no '@', an empty or too long part, a resource,
 * white space, control or forbidden characters), -E2BIG (does not fit).
 */
int jid_bare_normalize(const char *in, char *out, size_t size);

/*
 * The bare part of a full JID (`in` up to any '/'), lower-cased, into
 * `out`: 0, or -EINVAL/-E2BIG as above.  A domain-only JID is allowed here
 * (the component's own address) and gives the domain.
 */
int jid_bare_of(const char *in, char *out, size_t size);

#endif
