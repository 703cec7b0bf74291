/*
 * json_flat.h - a quick parse of the JSON objects that most WebSocket
 * messages are: one flat object of strings without escapes, integers,
 * true, false and null.
 *
 * jansson reads its input a character at a time through a stream and
 * checks each as it goes; for a message of a hundred bytes that was a
 * quarter of what the loop thread spent on a relayed message.  This reads
 * the common shape in one pass and builds the same jansson object.  It
 * never decides that text is wrong: whatever it does not take on (escapes,
 * nesting, numbers with a fraction, a repeated key, anything malformed)
 * gets NULL, and the caller asks json_loadb(), whose answer stands.
 */
#ifndef REFDESK_BASE_JSON_FLAT_H
#define REFDESK_BASE_JSON_FLAT_H

#include <jansson.h>
#include <stddef.h>

/*
 * The object in `text` (`len` bytes) as json_loadb(text, len,
 * JSON_REJECT_DUPLICATES) would build it, or NULL when the text is not in
 * the shape above.
 */
json_t *json_flat_load(const char *text, size_t len);

/*
 * Write `s` (`len` bytes of valid UTF-8) at `out` as a JSON string, quotes
 * included, escaped byte for byte as json_dumps() escapes it; returns the
 * bytes written.  `out` needs room for 6 * len + 2 bytes (no NUL is added).
 * For a stored event's body, built without a jansson tree.
 */
size_t json_flat_quote(char *out, const char *s, size_t len);

#endif
