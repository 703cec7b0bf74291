/*
 * page_lang.c - the patron's pages in the patron's language from the first
 * byte.
 *
 * i18n.js would draw a page in English, fetch the index of languages and a
 * catalogue, and then redraw it: a French or Arabic patron saw English (and
 * left-to-right) for a round trip or two.  Here the server does what
 * i18n.js does, before sending the page: it picks the language the same
 * way from the URL's ?lang= (and the browser's Accept-Language, which
 * mirrors navigator.languages), fills the page's marked texts from
 * web/shared/i18n/LANG.json, and carries that catalogue in the page as a
 * JSON data block, which i18n.js uses when it would pick the same
 * language.  The block goes last in the body: the first view above it can
 * be drawn while its bytes are still on their way, and i18n.js, a module,
 * runs only once the whole page is in.  A data block is not run, so the page's CSP needs no hash for
 * it; every '<' in it is written as \u003c, so no catalogue text can close
 * the element.
 *
 * The files stay the only source: they are parsed once and read again
 * when their size or time changes, so a language added or corrected shows
 * without a restart.  Loop thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "base/util.h"
#include "ops/page_lang.h"

#define LANG_SLOTS 16 /* catalogues kept parsed */

struct file_id {
	off_t size;
	struct timespec mtime;
};

static struct {
	struct file_id id;
	bool loaded;
	size_t n;
	char codes[PAGE_LANG_OFFERED_MAX][PAGE_LANG_TAG_MAX];
	bool rtl[PAGE_LANG_OFFERED_MAX];
	char dir[4096]; /* the web directory it was read from */
} index_cache;

#define EXTRA_MAX 16 /* the name of a page's own catalogues: "staff" */

static struct lang_slot {
	struct page_lang pl;
	struct file_id id, extra_id;
	char extra[EXTRA_MAX];        /* "" for the patron's catalogue alone */
	bool used;
} slots[LANG_SLOTS];

/* ---- picking the language (pure) ---------------------------------------------------------- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int page_lang_normalise(const char *raw, char *out, size_t size)
{
	size_t i = 0, seg = 0, n = strlen(raw);
	bool first = true;

	if (n >= size)
		return n > 8 * PAGE_LANG_TAG_MAX ? -EINVAL : -E2BIG;
	for (;; i++) {
		if (raw[i] == '-' || raw[i] == '\0') {
			size_t len = i - seg, k;

			if (first ? len < 2 || len > 3 : len < 2 || len > 8)
				return -EINVAL;
			/* i18n.js: the language lower case, two-letter subtags (regions) upper case */
			for (k = seg; k < i; k++) {
				if (first ? !is_alpha(raw[k]) : !is_alnum(raw[k]))
					return -EINVAL;
				out[k] = first ? lower(raw[k]) : len == 2 ? upper(raw[k]) : raw[k];
			}
			out[i] = raw[i];
			if (raw[i] == '\0')
				return 0;
			first = false;
			seg = i + 1;
		}
	}
}

static int find_offered(const char *tag, const char *const *offered, size_t noffered)
{
	size_t i;

	for (i = 0; i < noffered; i++)
		if (!strcmp(tag, offered[i]))
			return (int)i;
	return -1;
}

int page_lang_pick(const char *const *wanted, size_t nwanted, const char *const *offered, size_t noffered)
{
	char tag[PAGE_LANG_TAG_MAX];
	size_t i;
	int at;

	for (i = 0; i < nwanted; i++) {
		if (!wanted[i] || page_lang_normalise(wanted[i], tag, sizeof(tag)) < 0)
			continue;
		if ((at = find_offered(tag, offered, noffered)) >= 0)
			return at;
		tag[strcspn(tag, "-")] = '\0'; /* its base language */
		if ((at = find_offered(tag, offered, noffered)) >= 0)
			return at;
	}
	return find_offered("en", offered, noffered);
}

size_t page_lang_accept(const char *header, char tags[][PAGE_LANG_TAG_MAX], size_t max)
{
	const char *p = header;
	size_t n = 0;

	while (*p && n < max) {
		size_t len = strcspn(p, ",;"), k = 0;
		const char *s = p;

		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len && !(len == 1 && *s == '*')) {
			for (k = 0; k < len && k + 1 < PAGE_LANG_TAG_MAX; k++)
				tags[n][k] = s[k];
			tags[n][k] = '\0';
			n++;
		}
		p += strcspn(p, ","); /* past any ;q= */
		if (*p)
			p++;
	}
	return n;
}

/* ---- the files ------------------------------------------------------------------------------ */

/* The file at `path`, read whole when it is not larger than PAGE_LANG_FILE_MAX; you own it. */
static char *file_read(const char *path, struct file_id *id, size_t *len)
{
	struct stat sb;
	char *text;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > PAGE_LANG_FILE_MAX) {
		close(fd);
		return NULL;
	}
	text = read_exactly(fd, (size_t)sb.st_size);
	close(fd);
	id->size = sb.st_size;
	id->mtime = sb.st_mtim;
	*len = (size_t)sb.st_size;
	return text;
}

static bool file_same(const char *path, const struct file_id *id)
{
	struct stat sb;

	return stat(path, &sb) == 0 && sb.st_size == id->size && sb.st_mtim.tv_sec == id->mtime.tv_sec &&
	       sb.st_mtim.tv_nsec == id->mtime.tv_nsec;
}

static unsigned long long file_key(const struct file_id *id)
{
	return (unsigned long long)id->size * 1000003ULL + (unsigned long long)id->mtime.tv_sec * 1000000000ULL +
	       (unsigned long long)id->mtime.tv_nsec;
}

static void slot_clear(struct lang_slot *s)
{
	json_decref(s->pl.messages);
	free(s->pl.block);
	memset(s, 0, sizeof(*s));
}

/* index.json's languages (codes that are tags, and their direction); false if unreadable. */
static bool index_load(const char *web_dir)
{
	char path[4200];
	size_t len, i;
	json_t *root, *list, *entry;
	struct file_id id;
	char *text;

	snprintf(path, sizeof(path), "%s/shared/i18n/index.json", web_dir);
	if (index_cache.loaded && !strcmp(index_cache.dir, web_dir) && file_same(path, &index_cache.id))
		return true;
	/* A changed index changes every page's list of languages: start afresh. */
	for (i = 0; i < LANG_SLOTS; i++)
		slot_clear(&slots[i]);
	memset(&index_cache, 0, sizeof(index_cache));
	text = file_read(path, &id, &len);
	if (!text)
		return false;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	list = json_object_get(root, "languages");
	json_array_foreach(list, i, entry) {
		const char *code = json_string_value(json_object_get(entry, "code"));
		const char *dir = json_string_value(json_object_get(entry, "dir"));
		char tag[PAGE_LANG_TAG_MAX];

		/* The code names a file and goes into the page: only a tag as i18n.js spells it. */
		if (!code || page_lang_normalise(code, tag, sizeof(tag)) < 0 || strcmp(tag, code) ||
		    index_cache.n == PAGE_LANG_OFFERED_MAX)
			continue;
		str_copy(index_cache.codes[index_cache.n], PAGE_LANG_TAG_MAX, code);
		index_cache.rtl[index_cache.n] = dir && !strcmp(dir, "rtl");
		index_cache.n++;
	}
	json_decref(root);
	index_cache.id = id;
	index_cache.loaded = true;
	str_copy(index_cache.dir, sizeof(index_cache.dir), web_dir);
	return true;
}

/* `json` with each '<' written as \u003c (valid JSON: a '<' can only be inside a string). */
static char *block_make(const char *json, size_t *out_len)
{
	static const char head[] = "<script type=\"application/json\" id=\"rd-i18n\">";
	static const char tail[] = "</script>\n";
	size_t n = 0, len = strlen(json), i, o;
	char *out;

	for (i = 0; i < len; i++)
		n += json[i] == '<';
	out = xmalloc(sizeof(head) + len + 5 * n + sizeof(tail));
	o = sizeof(head) - 1;
	memcpy(out, head, o);
	for (i = 0; i < len; i++) {
		if (json[i] == '<') {
			memcpy(out + o, "\\u003c", 6);
			o += 6;
		} else {
			out[o++] = json[i];
		}
	}
	memcpy(out + o, tail, sizeof(tail));
	*out_len = o + sizeof(tail) - 1;
	return out;
}

/* The catalogue file at `path` parsed: an object, or NULL. */
static json_t *catalogue_read(const char *path, struct file_id *id)
{
	json_t *messages;
	size_t len;
	char *text = file_read(path, id, &len);

	if (!text)
		return NULL;
	messages = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	if (!json_is_object(messages)) {
		json_decref(messages);
		return NULL;
	}
	return messages;
}

/*
 * Parse the catalogue of index entry `at` into `s`, with `extra`'s words
 * (a page's own: shared/i18n/EXTRA/CODE.json) over it when `extra` is not
 * "", carried as offered in `offered` (`noffered` codes); false if it
 * cannot be used.
 */
static bool slot_load(struct lang_slot *s, const char *web_dir, size_t at, const char *extra,
		      const char *const *offered_codes, size_t noffered)
{
	char path[4200], *json;
	json_t *messages, *more, *carried, *offered;
	size_t i;

	snprintf(path, sizeof(path), "%s/shared/i18n/%s.json", web_dir, index_cache.codes[at]);
	messages = catalogue_read(path, &s->id);
	if (!messages)
		return false;
	if (*extra) {
		snprintf(path, sizeof(path), "%s/shared/i18n/%s/%s.json", web_dir, extra, index_cache.codes[at]);
		more = catalogue_read(path, &s->extra_id);
		if (!more || json_object_update(messages, more) < 0) {
			json_decref(more);
			json_decref(messages);
			return false;
		}
		json_decref(more);
	}
	offered = json_array();
	for (i = 0; i < noffered; i++)
		json_array_append_new(offered, json_string(offered_codes[i]));
	carried = json_pack("{s:s, s:s, s:o, s:O}", "lang", index_cache.codes[at], "dir",
			    index_cache.rtl[at] ? "rtl" : "ltr", "offered", offered, "messages", messages);
	if (carried && *extra)
		json_object_set_new(carried, "extra", json_string(extra));
	json = json_dumps(carried, JSON_COMPACT);
	json_decref(carried);
	if (!json) {
		json_decref(messages);
		return false;
	}
	str_copy(s->pl.code, sizeof(s->pl.code), index_cache.codes[at]);
	s->pl.rtl = index_cache.rtl[at];
	s->pl.messages = messages;
	s->pl.block = block_make(json, &s->pl.block_len);
	free(json);
	s->pl.key = str_key(s->pl.code, strlen(s->pl.code)) * 31 + file_key(&s->id) * 7 + file_key(&index_cache.id);
	if (*extra)
		s->pl.key = s->pl.key * 31 + str_key(extra, strlen(extra)) * 7 + file_key(&s->extra_id);
	str_copy(s->extra, sizeof(s->extra), extra);
	s->used = true;
	return true;
}

/*
 * The parsed catalogue of index entry `at` (with `extra`'s words), read
 * (again) if need be; NULL if unusable.  `offered` is what the page offers:
 * the same for every call with the same `extra`.
 */
static const struct page_lang *catalogue_of(const char *web_dir, size_t at, const char *extra,
					    const char *const *offered, size_t noffered)
{
	const char *code = index_cache.codes[at];
	struct lang_slot *s = NULL;
	char path[4200], extra_path[4200];
	size_t i;

	/* Its own slot, else a free one, else one taken from another language. */
	for (i = 0; i < LANG_SLOTS && !s; i++)
		if (slots[i].used && !strcmp(slots[i].pl.code, code) && !strcmp(slots[i].extra, extra))
			s = &slots[i];
	for (i = 0; i < LANG_SLOTS && !s; i++)
		if (!slots[i].used)
			s = &slots[i];
	if (!s)
		s = &slots[(str_key(code, strlen(code)) + str_key(extra, strlen(extra))) % LANG_SLOTS];
	snprintf(path, sizeof(path), "%s/shared/i18n/%s.json", web_dir, code);
	snprintf(extra_path, sizeof(extra_path), "%s/shared/i18n/%s/%s.json", web_dir, extra, code);
	if (s->used && !strcmp(s->pl.code, code) && !strcmp(s->extra, extra) && file_same(path, &s->id) &&
	    (!*extra || file_same(extra_path, &s->extra_id)))
		return &s->pl;
	slot_clear(s);
	return slot_load(s, web_dir, at, extra, offered, noffered) ? &s->pl : NULL;
}

/* Whether `word` is one of the space-separated words of `list`. */
static bool word_in(const char *list, const char *word)
{
	size_t len = strlen(word);

	while (*list) {
		size_t k = strcspn(list, " ");

		if (k == len && !strncmp(list, word, len))
			return true;
		list += k + (list[k] == ' ');
	}
	return false;
}

/* A name of a page's own catalogues: letters only. */
static bool extra_ok(const char *extra)
{
	size_t i;

	for (i = 0; extra[i]; i++)
		if (!is_alpha(extra[i]) || i + 1 >= EXTRA_MAX)
			return false;
	return true;
}

const struct page_lang *page_lang_get_page(const char *web_dir, const char *const *wanted, size_t nwanted,
					   const char *allowed, const char *extra)
{
	const char *offered[PAGE_LANG_OFFERED_MAX];
	const struct page_lang *pl;
	size_t i, n = 0, at_index[PAGE_LANG_OFFERED_MAX];
	int at;

	if (!extra)
		extra = "";
	if (!extra_ok(extra) || !index_load(web_dir))
		return NULL;
	for (i = 0; i < index_cache.n; i++) {
		if (allowed && !word_in(allowed, index_cache.codes[i]))
			continue;
		at_index[n] = i;
		offered[n++] = index_cache.codes[i];
	}
	at = page_lang_pick(wanted, nwanted, offered, n);
	if (at < 0)
		return NULL;
	pl = catalogue_of(web_dir, at_index[at], extra, offered, n);
	/* A catalogue that cannot be read falls back to English, as i18n.js does. */
	if (!pl && strcmp(offered[at], "en") && (at = find_offered("en", offered, n)) >= 0)
		pl = catalogue_of(web_dir, at_index[at], extra, offered, n);
	return pl;
}

const struct page_lang *page_lang_get(const char *web_dir, const char *const *wanted, size_t nwanted)
{
	return page_lang_get_page(web_dir, wanted, nwanted, NULL, NULL);
}

void page_lang_release(void)
{
	size_t i;

	for (i = 0; i < LANG_SLOTS; i++)
		slot_clear(&slots[i]);
	memset(&index_cache, 0, sizeof(index_cache));
}

void page_lang_print_limits(FILE *out)
{
	limit_print(out, "page_lang_file_max", PAGE_LANG_FILE_MAX, "bytes",
		    "largest language catalogue or index the server puts into a page");
	limit_print(out, "page_lang_offered_max", PAGE_LANG_OFFERED_MAX, "languages",
		    "languages of index.json the server offers");
}

/* ---- filling the page ----------------------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = grow_cap(o->cap, o->len + n + 1);
		o->p = xrealloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* `s` as text safe in an element or a quoted attribute. */
static void out_escaped(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': out_str(o, "&amp;"); break;
		case '<': out_str(o, "&lt;"); break;
		case '>': out_str(o, "&gt;"); break;
		case '"': out_str(o, "&quot;"); break;
		case '\'': out_str(o, "&#39;"); break;
		default: out_add(o, s, 1);
		}
	}
}

/* An attribute of a start tag: its name and value as they stand in the page. */
struct attr {
	const char *name, *value, *start, *end; /* end: just after it */
	size_t name_len, value_len;
};

#define TAG_ATTRS_MAX 24
#define TAG_SETS_MAX 8

/* A start tag: where it ends (the '>'), its attributes; false if malformed. */
static bool tag_parse(const char *p, const char **gt, struct attr *a, size_t *na)
{
	p++; /* '<' */
	while (is_alnum(*p))
		p++;
	*na = 0;
	for (;;) {
		struct attr at = { 0 };

		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == '/')
			p++;
		if (*p == '>') {
			*gt = p;
			return true;
		}
		if (!*p || *p == '<')
			return false;
		at.start = at.name = p;
		while (*p && !strchr(" \n\t\r/>=", *p))
			p++;
		at.name_len = (size_t)(p - at.name);
		if (*p == '=') {
			char q = *++p;

			if (q == '"' || q == '\'') {
				at.value = ++p;
				while (*p && *p != q)
					p++;
				if (!*p)
					return false;
				at.value_len = (size_t)(p - at.value);
				p++;
			} else {
				at.value = p;
				while (*p && !strchr(" \n\t\r>", *p))
					p++;
				at.value_len = (size_t)(p - at.value);
			}
		}
		at.end = p;
		if (*na < TAG_ATTRS_MAX)
			a[(*na)++] = at;
	}
}

static const struct attr *attr_find(const struct attr *a, size_t na, const char *name)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (a[i].name_len == strlen(name) && !strncasecmp(a[i].name, name, a[i].name_len))
			return &a[i];
	return NULL;
}

/* A message that is plain text (plural forms are i18n.js's), or NULL. */
static const char *message_of(const struct page_lang *pl, const char *key, size_t len)
{
	char k[128];

	if (len >= sizeof(k))
		return NULL;
	memcpy(k, key, len);
	k[len] = '\0';
	return json_string_value(json_object_get(pl->messages, k));
}

const char *page_lang_text(const struct page_lang *pl, const char *key)
{
	return pl ? message_of(pl, key, strlen(key)) : NULL;
}

/*
 * The start tag at `p` (ending at `gt`) with attributes `names` set to
 * `values` (escaped): replaced where present, added before '>' where not.
 */
static void tag_write(struct out *o, const char *p, const char *gt, const struct attr *a, size_t na,
		      const char *const *names, const char *const *values, size_t nsets)
{
	bool done[TAG_SETS_MAX] = { false };
	const char *at = p;
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nsets; j++)
			if (!done[j] && a[i].name_len == strlen(names[j]) && !strncasecmp(a[i].name, names[j], a[i].name_len))
				break;
		if (j == nsets)
			continue;
		out_add(o, at, (size_t)(a[i].start - at));
		out_str(o, names[j]);
		out_str(o, "=\"");
		out_escaped(o, values[j]);
		out_str(o, "\"");
		at = a[i].end;
		done[j] = true;
	}
	out_add(o, at, (size_t)(gt - at));
	for (j = 0; j < nsets; j++) {
		if (done[j])
			continue;
		out_str(o, " ");
		out_str(o, names[j]);
		out_str(o, "=\"");
		out_escaped(o, values[j]);
		out_str(o, "\"");
	}
	out_str(o, ">");
}

/* The attributes that data-i18n-attr="attr:key attr:key" names, with their texts. */
static size_t attr_sets(const struct page_lang *pl, const struct attr *spec, char names[][32],
			const char **values, size_t nsets)
{
	const char *p = spec->value, *end = spec->value + spec->value_len;
	size_t n = 0;

	while (p < end && n < nsets) {
		const char *w = p, *colon;
		size_t wl;

		while (w < end && *w == ' ')
			w++;
		wl = 0;
		while (w + wl < end && w[wl] != ' ')
			wl++;
		p = w + wl;
		colon = memchr(w, ':', wl);
		if (!wl || !colon || (size_t)(colon - w) >= 32)
			continue;
		memcpy(names[n], w, (size_t)(colon - w));
		names[n][colon - w] = '\0';
		values[n] = message_of(pl, colon + 1, wl - (size_t)(colon - w) - 1);
		if (values[n])
			n++;
	}
	return n;
}

/*
 * Copy the start tag at `p` translated; returns where the page goes on.
 * An element with data-i18n and only text in it gets its message as text.
 */
static const char *element_write(struct out *o, const struct page_lang *pl, const char *p)
{
	struct attr a[TAG_ATTRS_MAX];
	char names[TAG_SETS_MAX][32];
	const char *values[TAG_SETS_MAX], *set_names[TAG_SETS_MAX], *gt, *text = NULL;
	const struct attr *spec, *key;
	size_t na, nsets = 0, i;

	if (!tag_parse(p, &gt, a, &na)) {
		out_add(o, p, 1);
		return p + 1;
	}
	if (!strncasecmp(p, "<html", 5) && !is_alnum(p[5])) {
		set_names[0] = "lang", values[0] = pl->code;
		set_names[1] = "dir", values[1] = pl->rtl ? "rtl" : "ltr";
		nsets = 2;
	} else if ((spec = attr_find(a, na, "data-i18n-attr")) != NULL) {
		nsets = attr_sets(pl, spec, names, values, TAG_SETS_MAX);
		for (i = 0; i < nsets; i++)
			set_names[i] = names[i];
	}
	tag_write(o, p, gt, a, na, set_names, values, nsets);
	p = gt + 1;
	key = attr_find(a, na, "data-i18n");
	if (key)
		text = message_of(pl, key->value, key->value_len);
	if (text && p[strcspn(p, "<")] == '<' && p[strcspn(p, "<") + 1] == '/') {
		out_escaped(o, text);
		p += strcspn(p, "<");
	}
	return p;
}

char *page_lang_apply(const struct page_lang *pl, char *html, size_t *len)
{
	struct out o = { 0 };
	const char *p = html, *end;

	out_add(&o, "", 0);
	while (*p) {
		size_t run = strcspn(p, "<");

		out_add(&o, p, run);
		p += run;
		if (!*p)
			break;
		if (!strncmp(p, "<!--", 4)) { /* a comment goes out as it is */
			end = strstr(p, "-->");
			run = end ? (size_t)(end - p) + 3 : strlen(p);
			out_add(&o, p, run);
			p += run;
		} else if (!strncasecmp(p, "</body>", 7)) {
			out_add(&o, pl->block, pl->block_len);
			out_add(&o, p, 7);
			p += 7;
		} else if (!strncasecmp(p, "<script", 7) || !strncasecmp(p, "<style", 6)) {
			/* Raw text: copied up to its end tag, never read as markup. */
			const char *close = !strncasecmp(p, "<script", 7) ? "</script" : "</style";

			end = strcasestr(p + 1, close);
			run = end ? (size_t)(end - p) : strlen(p);
			out_add(&o, p, run);
			p += run;
			if (end) {
				out_add(&o, p, 1);
				p++;
			}
		} else if (is_alpha(p[1])) {
			p = element_write(&o, pl, p);
		} else {
			out_add(&o, p, 1);
			p++;
		}
	}
	free(html);
	*len = o.len;
	return o.p;
}
