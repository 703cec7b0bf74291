/*
 * static.c - files under the web directory: content types, ETags, and the
 * refusal of any path that could leave the directory.
 *
 * Files are read whole per request (they are small, and the page cache
 * keeps them hot); the ETag is built from size and modification time so a
 * revalidation costs one stat().  Text (HTML, CSS, JS, SVG, JSON) goes out
 * gzipped to browsers that accept it — the guest box loads a third of the
 * bytes — and the compressed copy is kept until the file changes.
 *
 * Scripts and stylesheets go out minified when `make` has written a copy
 * of them under --web-min (build/web-min: comments were ~40 % of the box's
 * gzipped bytes) and that copy is not older than the file: a file edited
 * since the last `make` is served as it is, never a stale copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <zlib.h>

#include "base/util.h"
#include "net/http.h"
#include "net/server.h"

#define STATIC_FILE_MAX (8 * 1024 * 1024)
#define INLINE_FILE_MAX (64 * 1024) /* a larger stylesheet or script stays a link */

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".jpeg", "image/jpeg" },
	{ ".webp", "image/webp" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < ARRAY_SIZE(types); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

/* A relative path of plain segments: no "..", no hidden files, no odd bytes. */
static bool path_is_safe(const char *p)
{
	const char *seg = p;

	if (!*p || *p == '/')
		return false;
	for (; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '/'))
			return false;
		if (c == '/') {
			if (p == seg)
				return false; /* "//" */
			seg = p + 1;
		} else if (p == seg && c == '.') {
			return false; /* ".", "..", ".hidden" */
		}
	}
	return p != seg;
}

#define GZIP_MIN 512        /* smaller files are not worth it */
/*
 * The compressed copies kept: sets of a few entries each, a key in the set
 * its hash names, the least recently used one of the set replaced.  64
 * entries, one per hash, were fewer than the copies a library serves (the
 * files of web/, each staff page in each language, the box page in each
 * language and first view), so two busy ones could take turns in a slot and
 * be compressed again at every request, on the loop thread, at level 9.
 */
/*
 * Sets of 16: with 4 ways, five of the ~120 keys of a library falling in
 * one set (about one start in three) made one copy be compressed again
 * each time round.
 */
#define GZIP_CACHE_SETS 32
#define GZIP_CACHE_WAYS 16

struct gz_entry {
	char path[256];
	off_t size;
	struct timespec mtime;
	unsigned char *data;
	size_t len;
	unsigned long long used; /* gz_clock when last served */
};

static struct gz_entry gz_cache[GZIP_CACHE_SETS][GZIP_CACHE_WAYS]; /* loop thread only */
static unsigned long long gz_clock;
static unsigned long gz_made; /* copies compressed, for /metrics */

static bool compressible(const char *ctype)
{
	return !strncmp(ctype, "text/", 5) || !strcmp(ctype, "image/svg+xml") ||
	       !strcmp(ctype, "application/json") || !strcmp(ctype, "application/manifest+json");
}

static unsigned char *gzip_bytes(const char *data, size_t len, size_t *out_len)
{
	uLong cap = compressBound((uLong)len) + 32;
	unsigned char *out = xmalloc(cap);
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/*
 * The gzipped copy of `data` (`len` bytes: the file at `key` as stat'ed in
 * `sb`, or an edited copy of it named by `key`), from the cache or made now;
 * NULL if not worth it.
 */
static const struct gz_entry *gzipped(const char *key, const struct stat *sb, const char *data, size_t len)
{
	struct gz_entry *set = gz_cache[str_key(key, strlen(key)) % GZIP_CACHE_SETS], *e = NULL;
	unsigned char *z;
	size_t i, zlen;

	if (strlen(key) >= sizeof(set->path))
		return NULL;
	for (i = 0; i < GZIP_CACHE_WAYS && !e; i++)
		if (set[i].data && !strcmp(set[i].path, key))
			e = &set[i];
	if (e && e->size == sb->st_size && e->mtime.tv_sec == sb->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == sb->st_mtim.tv_nsec) {
		e->used = ++gz_clock;
		return e;
	}
	/* Compressed first: a file that does not shrink takes no one's place. */
	gz_made++;
	z = gzip_bytes(data, len, &zlen);
	if (!z || zlen >= len) {
		free(z);
		if (e) { /* the stale copy goes too */
			free(e->data);
			e->data = NULL;
		}
		return NULL;
	}
	/* A stale copy of this key is replaced; else an empty entry, else the oldest. */
	if (!e) {
		e = &set[0];
		for (i = 0; i < GZIP_CACHE_WAYS; i++) {
			if (!set[i].data) {
				e = &set[i];
				break;
			}
			if (set[i].used < e->used)
				e = &set[i];
		}
	}
	free(e->data);
	e->data = z;
	e->len = zlen;
	str_copy(e->path, sizeof(e->path), key);
	e->size = sb->st_size;
	e->mtime = sb->st_mtim;
	e->used = ++gz_clock;
	return e;
}

unsigned long http_static_gzip_count(void)
{
	return gz_made;
}

void http_static_print_limits(FILE *out)
{
	limit_print(out, "static_file_max", STATIC_FILE_MAX, "bytes", "a page file served from web/");
	limit_print(out, "gzip_min", GZIP_MIN, "bytes", "smallest page file sent gzipped");
	limit_print(out, "inline_style_max", INLINE_FILE_MAX, "bytes", "largest stylesheet or script a page carries inline");
}

/* `data` (`*len` bytes, NUL-terminated) with its first `from` replaced by `to`; you own it. */
static char *edit_once(char *data, size_t *len, const char *from, const char *to)
{
	char *at = strstr(data, from);
	size_t fl = strlen(from), tl = strlen(to), head;
	char *out;

	if (!at)
		return data;
	head = (size_t)(at - data);
	out = xmalloc(*len - fl + tl + 1);
	memcpy(out, data, head);
	memcpy(out + head, to, tl);
	memcpy(out + head + tl, at + fl, *len - head - fl + 1);
	*len = *len - fl + tl;
	free(data);
	return out;
}

static bool newer_than(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec > b->st_mtim.tv_sec ||
	       (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

#define BUNDLE_INPUTS_MAX (64 * 1024)

/*
 * Whether the copy at `min` (stat `msb`) is a bundle made from a file that
 * has changed since.  A bundle (a staff page's entry script with every
 * module it imports, scripts/web-min) has beside it MIN.inputs: the files
 * it was made from, one per line relative to the web directory.  One that
 * is newer than the bundle, gone, or an unreadable list makes it stale,
 * and the entry's own file goes out, importing its modules one by one.
 */
static bool bundle_is_stale(const struct server_config *cfg, const char *min, const struct stat *msb)
{
	char list[4096 + 8], path[4096];
	struct stat lsb, isb;
	char *text, *line, *save = NULL;
	bool stale = false;
	size_t ninputs = 0;
	int fd;

	if (snprintf(list, sizeof(list), "%s.inputs", min) >= (int)sizeof(list))
		return true;
	fd = open(list, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno != ENOENT; /* no list: a file minified alone */
	if (fstat(fd, &lsb) < 0 || !S_ISREG(lsb.st_mode) || lsb.st_size > BUNDLE_INPUTS_MAX ||
	    !(text = read_exactly(fd, (size_t)lsb.st_size))) {
		close(fd);
		return true;
	}
	close(fd);
	if (memchr(text, '\0', (size_t)lsb.st_size))
		stale = true;
	for (line = strtok_r(text, "\n", &save); line && !stale; line = strtok_r(NULL, "\n", &save)) {
		stale = !path_is_safe(line) ||
			snprintf(path, sizeof(path), "%s/%s", cfg->web_dir, line) >= (int)sizeof(path) ||
			stat(path, &isb) < 0 || newer_than(&isb, msb);
		ninputs++;
	}
	free(text);
	return stale || !ninputs; /* a bundle is made from its entry at least */
}

/*
 * `relpath` (a script or stylesheet, whose own stat is `sb`) opened from its
 * copy under --web-min when that is a file no older than it (for a bundle,
 * no older than any file it was made from): the descriptor,
 * with `path` and `sb` now the copy's; else -1 and both left as they are, and
 * the caller opens the file itself.  A copy being rewritten (make removes and
 * writes the directory anew) fails to open and the file is served instead.
 */
static int minified_open(const struct server_config *cfg, const char *relpath, char *path,
			 size_t size, struct stat *sb)
{
	char min[4096];
	struct stat msb;
	int fd;

	if (!cfg->web_min_dir || snprintf(min, sizeof(min), "%s/%s", cfg->web_min_dir, relpath) >= (int)sizeof(min) ||
	    stat(min, &msb) < 0 || !S_ISREG(msb.st_mode) || newer_than(sb, &msb) ||
	    bundle_is_stale(cfg, min, &msb))
		return -1;
	fd = open(min, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	str_copy(path, size, min);
	*sb = msb;
	return fd;
}

/*
 * What a page may carry inline: a stylesheet link or a classic script
 * marked data-inline, each replaced by an element holding the file whose
 * hash goes into the page's policy.
 */
static const struct inline_kind {
	const char *marker, *close, *type, *open_tag, *end_tag;
	size_t hashes_off, hashes_size;
	bool script;
} inline_kinds[] = {
	{ "<link rel=\"stylesheet\" data-inline href=\"/", "\">", "text/css; charset=utf-8", "<style",
	  "</style", offsetof(struct http_req, style_hashes), sizeof(((struct http_req *)0)->style_hashes),
	  false },
	{ "<script data-inline src=\"/", "\"></script>", "text/javascript; charset=utf-8", "<script",
	  "</script", offsetof(struct http_req, script_hashes), sizeof(((struct http_req *)0)->script_hashes),
	  true },
};

/*
 * The file at `rel` under the web directory (its minified copy when there is
 * one), read whole, or NULL: not of kind `k`'s type, too large, or holding
 * text that could end or confuse the element it goes into.  Its stat in `sb`.
 */
static char *inline_read(const struct http_req *req, const struct inline_kind *k, const char *rel,
			 struct stat *sb)
{
	char path[4096];
	char *text;
	int fd;

	if (!path_is_safe(rel) || !type_of(rel) || strcmp(type_of(rel), k->type) ||
	    snprintf(path, sizeof(path), "%s/%s", req->srv->cfg->web_dir, rel) >= (int)sizeof(path))
		return NULL;
	fd = stat(path, sb) == 0 && S_ISREG(sb->st_mode) ?
	     minified_open(req->srv->cfg, rel, path, sizeof(path), sb) : -1;
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (fstat(fd, sb) < 0 || !S_ISREG(sb->st_mode) || sb->st_size > INLINE_FILE_MAX) {
		close(fd);
		return NULL;
	}
	text = read_exactly(fd, (size_t)sb->st_size);
	close(fd);
	/*
	 * In a script, "<!--" and "<script" change how the parser finds its end.
	 * A CR or a byte-order mark would not reach the page's text as it is
	 * here (the parser drops or rewrites them), so the hash would not match
	 * and the browser would refuse the element.
	 */
	if (text && (memchr(text, '\0', (size_t)sb->st_size) || memchr(text, '\r', (size_t)sb->st_size) ||
		     (sb->st_size >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) || strcasestr(text, k->end_tag) ||
		     (k->script && (strstr(text, "<!--") || strcasestr(text, "<script"))))) {
		free(text);
		return NULL;
	}
	return text;
}

/* The first marker of any kind in `at`, or NULL; its kind in `*kind`. */
static char *inline_next(char *at, const struct inline_kind **kind)
{
	char *best = NULL, *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(inline_kinds); i++) {
		m = strstr(at, inline_kinds[i].marker);
		if (m && (!best || m < best)) {
			best = m;
			*kind = &inline_kinds[i];
		}
	}
	return best;
}

/*
 * `data` (`*len` bytes, NUL-terminated) with each marked stylesheet link and
 * script replaced by an element holding the file (<style data-inline="/PATH">
 * or <script data-inline="/PATH">), whose hash goes into the page's
 * style-src or script-src; `*variant` takes in each file's size and time, so
 * the page's ETag and compressed copy change with them.  A file that cannot
 * be inlined stays as it was.  You own the result.
 */
static char *inline_files(struct http_req *req, char *data, size_t *len, unsigned long long *variant)
{
	size_t cap = *len + 1, olen = 0;
	char *out = xmalloc(cap), *at = data, *next;
	const struct inline_kind *k = NULL;
	int n = 0;

	req->style_hashes[0] = '\0';
	req->script_hashes[0] = '\0';
	while ((next = inline_next(at, &k)) != NULL) {
		char *rel = next + strlen(k->marker), *q = strstr(rel, k->close), relpath[256], *text = NULL;
		char *hashes = (char *)req + k->hashes_off;
		unsigned char hash[crypto_hash_sha256_BYTES];
		char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
		struct stat sb;
		size_t tl = 0, need, hl;

		if (q && (size_t)(q - rel) < sizeof(relpath) && n < HTTP_INLINE_MAX) {
			memcpy(relpath, rel, (size_t)(q - rel));
			relpath[q - rel] = '\0';
			text = inline_read(req, k, relpath, &sb);
		}
		if (!text) { /* left as it is */
			next = rel;
			need = (size_t)(next - at);
			cap = grow_cap(cap, olen + need + 1);
			out = xrealloc(out, cap);
			memcpy(out + olen, at, need);
			olen += need;
			at = next;
			continue;
		}
		tl = (size_t)sb.st_size;
		crypto_hash_sha256(hash, (const unsigned char *)text, tl);
		sodium_bin2base64(b64, sizeof(b64), hash, sizeof(hash), sodium_base64_VARIANT_ORIGINAL);
		hl = strlen(hashes);
		snprintf(hashes + hl, k->hashes_size - hl, " 'sha256-%s'", b64);
		*variant = *variant * 31 + (unsigned long long)sb.st_size * 1000003ULL +
			   (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)sb.st_mtim.tv_nsec;
		n++;
		/* before the marker, then OPEN data-inline="/PATH">TEXT</END> */
		need = (size_t)(next - at) + strlen(relpath) + tl + 64;
		cap = grow_cap(cap, olen + need + 1);
		out = xrealloc(out, cap);
		memcpy(out + olen, at, (size_t)(next - at));
		olen += (size_t)(next - at);
		olen += (size_t)sprintf(out + olen, "%s data-inline=\"/%s\">", k->open_tag, relpath);
		memcpy(out + olen, text, tl);
		olen += tl;
		olen += (size_t)sprintf(out + olen, "%s>", k->end_tag);
		free(text);
		at = q + strlen(k->close);
	}
	{
		size_t rest = *len - (size_t)(at - data);

		cap = grow_cap(cap, olen + rest + 1);
		out = xrealloc(out, cap);
		memcpy(out + olen, at, rest + 1);
		olen += rest;
	}
	free(data);
	*len = olen;
	return out;
}

void http_static_release(void)
{
	size_t i;

	for (i = 0; i < GZIP_CACHE_SETS * GZIP_CACHE_WAYS; i++) {
		free(gz_cache[i / GZIP_CACHE_WAYS][i % GZIP_CACHE_WAYS].data);
		gz_cache[i / GZIP_CACHE_WAYS][i % GZIP_CACHE_WAYS].data = NULL;
	}
}

void http_static(struct http_req *req, const char *relpath, enum http_policy policy)
{
	http_static_page(req, relpath, policy, NULL);
}

void http_static_edited(struct http_req *req, const char *relpath, enum http_policy policy,
			const char *from, const char *to)
{
	struct http_page_edit edit = { .from = from, .to = to, .key = str_key(to, strlen(to)) };

	http_static_page(req, relpath, policy, &edit);
}

/* `data` (`*len` bytes) as `edit` makes it; you own the result. */
static char *page_edit(char *data, size_t *len, const struct http_page_edit *edit)
{
	if (edit->from)
		data = edit_once(data, len, edit->from, edit->to);
	if (edit->apply)
		data = edit->apply(edit->ctx, data, len);
	return data;
}

void http_static_page(struct http_req *req, const char *relpath, enum http_policy policy,
		      const struct http_page_edit *edit)
{
	char path[4096], key[4096 + 24], etag[96], match[128], accept[256];
	const char *ctype = type_of(relpath);
	const struct gz_entry *gz = NULL;
	unsigned long long variant = 0;
	bool gzip_ok, html;
	struct stat sb;
	size_t len;
	char *data;
	int fd;

	if (!path_is_safe(relpath) || !ctype ||
	    snprintf(path, sizeof(path), "%s/%s", req->srv->cfg->web_dir, relpath) >=
		    (int)sizeof(path)) {
		http_not_found(req);
		return;
	}
	fd = (!strncmp(ctype, "text/javascript", 15) || !strncmp(ctype, "text/css", 8)) &&
	     stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ?
	     minified_open(req->srv->cfg, relpath, path, sizeof(path), &sb) : -1;
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > STATIC_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		http_not_found(req);
		return;
	}
	html = !strncmp(ctype, "text/html", 9);
	/* Only what a browser may open as a document gets a document's headers. */
	req->policy = html || !strcmp(ctype, "image/svg+xml") || policy != POLICY_PAGE ? policy : POLICY_ASSET;
	http_get_header(req, "accept-encoding:", accept, sizeof(accept));
	gzip_ok = compressible(ctype) && sb.st_size >= GZIP_MIN && strstr(accept, "gzip");
	/* Each encoding is its own representation, with its own ETag. */
	/* ...and so is each edit of the file. */
	if (edit)
		variant = edit->key ? edit->key : 1;
	/*
	 * A page is read before its ETag is known: its inlined stylesheets are
	 * part of it, and a 304 must carry their hashes in its policy too.
	 */
	data = NULL;
	len = (size_t)sb.st_size;
	if (html) {
		data = read_exactly(fd, len);
		if (!data) {
			close(fd);
			http_error(req, 500, "io", "The file could not be read.");
			return;
		}
		if (edit)
			data = page_edit(data, &len, edit);
		data = inline_files(req, data, &len, &variant);
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx%s\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL +
			 (unsigned long long)sb.st_mtim.tv_nsec, variant, gzip_ok ? "-gz" : "");
	http_header(req, "etag:", etag);
	http_header(req, "cache-control:", "no-cache");
	if (compressible(ctype))
		http_header(req, "vary:", "Accept-Encoding");
	http_get_header(req, "if-none-match:", match, sizeof(match));
	if (match[0] && strstr(match, etag)) {
		close(fd);
		free(data);
		http_respond(req, 304, ctype, NULL, 0);
		return;
	}
	if (!data) {
		data = read_exactly(fd, len);
		if (!data) {
			close(fd);
			http_error(req, 500, "io", "The file could not be read.");
			return;
		}
		if (edit)
			data = page_edit(data, &len, edit);
	}
	close(fd);
	/* An edited copy is cached under the file's path and the edit's key. */
	if (variant)
		snprintf(key, sizeof(key), "%s#%llx", path, variant);
	else
		str_copy(key, sizeof(key), path);
	if (gzip_ok)
		gz = gzipped(key, &sb, data, len);
	if (gz) {
		free(data);
		data = xmalloc(gz->len);
		memcpy(data, gz->data, gz->len);
		http_header(req, "content-encoding:", "gzip");
		http_respond(req, 200, ctype, data, gz->len);
		return;
	}
	http_respond(req, 200, ctype, data, len);
}
