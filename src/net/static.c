/*
 * static.c - files under the web directory: content types, ETags, and the
 * refusal of any path that could leave the directory.
 *
 * Files are read whole per request (they are small, and the page cache
 * keeps them hot); the ETag is built from size and modification time so a
 * revalidation costs one stat().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "net/app.h"
#include "net/http.h"

#define STATIC_FILE_MAX (8 * 1024 * 1024)

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

void http_static(struct http_req *req, const char *relpath, enum http_policy policy)
{
	char path[4096], etag[64], match[128];
	const char *ctype = type_of(relpath);
	struct stat sb;
	ssize_t n;
	char *data;
	int fd;

	if (!path_is_safe(relpath) || !ctype ||
	    snprintf(path, sizeof(path), "%s/%s", req->app->cfg->web_dir, relpath) >=
		    (int)sizeof(path)) {
		http_error(req, 404, "not_found", "Nothing here.");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > STATIC_FILE_MAX) {
		if (fd >= 0)
			close(fd);
		http_error(req, 404, "not_found", "Nothing here.");
		return;
	}
	req->policy = policy;
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL +
			 (unsigned long long)sb.st_mtim.tv_nsec);
	http_header(req, "etag:", etag);
	http_header(req, "cache-control:", "no-cache");
	http_get_header(req, "if-none-match:", match, sizeof(match));
	if (match[0] && strstr(match, etag)) {
		close(fd);
		http_respond(req, 304, ctype, NULL, 0);
		return;
	}
	data = xmalloc((size_t)sb.st_size + 1);
	n = read(fd, data, (size_t)sb.st_size);
	close(fd);
	if (n != sb.st_size) {
		free(data);
		http_error(req, 500, "io", "The file could not be read.");
		return;
	}
	http_respond(req, 200, ctype, data, (size_t)n);
}
