/*
 * page_lang.h - the patron's pages drawn by the server in the patron's
 * language: the language picked as web/shared/i18n.js picks it, the page's
 * marked texts filled from that language's catalogue, and the catalogue
 * carried in the page so the script need not fetch it.
 */
#ifndef REFDESK_OPS_PAGE_LANG_H
#define REFDESK_OPS_PAGE_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PAGE_LANG_TAG_MAX 36           /* a language tag as index.json may list it */
#define PAGE_LANG_WANTED_MAX 8         /* tags taken from ?lang= and Accept-Language */
#define PAGE_LANG_OFFERED_MAX 32       /* languages index.json may list */
#define PAGE_LANG_FILE_MAX (256 * 1024) /* largest catalogue or index read */

/* One language's catalogue, parsed, with the block that carries it in a page. */
struct page_lang {
	char code[PAGE_LANG_TAG_MAX];
	bool rtl;
	void *messages;          /* json_t object: key -> text, or plural forms */
	char *block;             /* <script type="application/json" id="rd-i18n">…</script> */
	size_t block_len;
	unsigned long long key;  /* changes whenever the catalogue or the index does */
};

/*
 * `raw` as a language tag in i18n.js's spelling ("FR-ca" -> "fr-CA") into
 * `out`: 0, or -EINVAL when it is not a tag (letters, digits, hyphens in
 * the shape [a-z]{2,3}(-[a-z0-9]{2,8})*), or -E2BIG when it does not fit.
 */
int page_lang_normalise(const char *raw, char *out, size_t size);

/*
 * The first of `wanted` (raw tags, most preferred first; junk skipped) that
 * `offered` holds, trying each tag and then its base language ("fr-CA",
 * then "fr"), as i18n.js's pickLanguage() does; -1 when none is offered
 * (the caller falls back to English).  Returns an index into `offered`.
 */
int page_lang_pick(const char *const *wanted, size_t nwanted, const char *const *offered, size_t noffered);

/*
 * Up to `max` raw tags of an Accept-Language header into `tags` (each
 * PAGE_LANG_TAG_MAX bytes, cut short if longer), in the order given
 * (browsers list them most preferred first); "*" and empty entries skipped.
 * Returns how many.
 */
size_t page_lang_accept(const char *header, char tags[][PAGE_LANG_TAG_MAX], size_t max);

/*
 * The catalogue for the first of `wanted` offered by the web directory's
 * shared/i18n/index.json, else English's; NULL when neither can be read
 * (the page then goes out as its file is, and i18n.js does the rest).
 * The index and catalogues are kept parsed and read again when their files
 * change.  Borrowed: valid until the next call.  Loop thread only.
 */
const struct page_lang *page_lang_get(const char *web_dir, const char *const *wanted, size_t nwanted);

/*
 * The same for a page that offers only the languages in `allowed` (codes
 * separated by spaces, as its <html data-i18n-languages>; NULL: all) and
 * has words of its own in shared/i18n/EXTRA/CODE.json (`extra`, letters
 * only, as its data-i18n-extra; NULL: none): the catalogue carries both,
 * with "extra" saying so.  A language whose own file cannot be read falls
 * back to English.
 */
const struct page_lang *page_lang_get_page(const char *web_dir, const char *const *wanted, size_t nwanted,
					   const char *allowed, const char *extra);

/*
 * `html` (`*len` bytes, NUL-terminated; you hand it over) in the language
 * of `pl`: <html lang dir> set, each data-i18n element whose content is
 * plain text filled with its message, each data-i18n-attr attribute set,
 * and `pl->block` put before </body>.  Plural messages and elements with
 * children are left to i18n.js.  Returns the page; you own it.
 */
char *page_lang_apply(const struct page_lang *pl, char *html, size_t *len);

/* The message `key` of `pl` when it is plain text (not plural forms), or NULL. */
const char *page_lang_text(const struct page_lang *pl, const char *key);

/* Drop the parsed catalogues (at exit). */
void page_lang_release(void);

/* Print the limits above as `refdesk limits` lines. */
void page_lang_print_limits(FILE *out);

#endif
