/*
 * text.h - cleaning text people type before it is shown to others as one
 * line: a guest's name, a file's name, an image's description.
 *
 * Such a line must read as what it is.  A direction override (U+202E) can
 * turn "report<RLO>fdp.exe" into "reportexe.pdf" on screen, zero-width and
 * other invisible characters make two names that look the same differ, and
 * a line break inside a name lets it start a line of its own in a text
 * export.  One function cleans all of them, so the rule is the same
 * wherever a name or description comes in.
 */
#ifndef REFDESK_BASE_TEXT_H
#define REFDESK_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decode the UTF-8 character at `s` (`left` bytes available) into *cp.
 * Returns its length, or 0 when it is not valid UTF-8: a stray
 * continuation byte, a truncated sequence, an overlong form, a surrogate or
 * a code point past U+10FFFF.
 */
size_t text_decode_char(const char *s, size_t left, unsigned *cp);

/*
 * Bytes taken by the line break that starts at `p`, or 0 when none does.
 * Line breaks are LF, CR, CR LF (one break), VT, FF, NEL (U+0085), and the
 * line and paragraph separators U+2028 and U+2029: every character that some
 * reader of plain text takes as the end of a line.
 */
size_t text_line_break(const char *p);

/* Is code point `cp` invisible or direction-changing (dropped by text_clean_line())? */
bool text_is_invisible(unsigned cp);

/*
 * Copy `in` to `out` (`size` bytes, the NUL included) as one line of plain
 * text: every line break (see text_line_break()) and tab becomes one space,
 * other control characters (C0, DEL, C1) and invisible or direction-changing
 * characters (text_is_invisible()) are dropped, and so is every byte that is
 * not part of valid UTF-8.  The result is cut short on a character boundary
 * if it does not fit.  `out` may be `in` (the result is never longer).
 * Returns the length of `out`.  Nothing is trimmed: callers decide that.
 */
size_t text_clean_line(const char *in, char *out, size_t size);

/*
 * The length of `s` without its leading and trailing white space (spaces,
 * tabs, CR and LF), with *start set to its first kept byte (inside `s`).
 * What a message, a name or an invitation counts after "trimming".
 */
size_t text_trim(const char *s, const char **start);

#endif
