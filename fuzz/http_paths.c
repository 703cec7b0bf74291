/*
 * http_paths.c - fuzz the two functions every request path goes through:
 * route matching with its captured segments (match() in net/http.c) and the
 * static file check that keeps paths inside the web directory
 * (path_is_safe() in static.c).
 *
 * Both files are compiled into this one to reach their static functions.
 * Checked: a captured segment is 1 to 79 bytes with no '/'; a path judged
 * safe is relative, made of letters, digits and "-_./" only, with no empty
 * segment and no segment starting with a dot (so no "..").
 */
#include "net/http.c"
#include "net/static.c"
#include "ops/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "http_paths: %s: \"%s\"\n", what, path);
	abort();
}

static void check_safe(const char *path)
{
	const char *seg;

	if (!path_is_safe(path))
		return;
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") !=
	    strlen(path))
		fail("odd byte in a safe path", path);
	for (seg = path;; seg = strchr(seg, '/') + 1) {
		if (*seg == '/' || *seg == '\0' || *seg == '.')
			fail("empty or dotted segment in a safe path", path);
		if (!strchr(seg, '/'))
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		const struct http_route *routes;
		const size_t *n;
	} tables[] = {
		{ sessions_routes, &sessions_nroutes }, { pages_routes, &pages_nroutes },
		{ admin_routes, &admin_nroutes },       { uploads_routes, &uploads_nroutes },
		{ history_routes, &history_nroutes },   { metrics_routes, &metrics_nroutes },
	};
	char path[512], params[HTTP_MAX_PARAMS][HTTP_PARAM_MAX];
	size_t i, t;
	int k;

	/* http_request() keeps paths below 512 bytes. */
	if (size >= sizeof(path))
		size = sizeof(path) - 1;
	memcpy(path, data, size);
	path[size] = '\0';
	for (t = 0; t < ARRAY_SIZE(tables); t++) {
		for (i = 0; i < *tables[t].n; i++) {
			memset(params, 0, sizeof(params));
			if (!match(tables[t].routes[i].pattern, path, params))
				continue;
			for (k = 0; k < HTTP_MAX_PARAMS; k++)
				if (strchr(params[k], '/') || strlen(params[k]) >= HTTP_PARAM_MAX)
					fail("bad captured segment", path);
		}
	}
	check_safe(path[0] == '/' ? path + 1 : path);
	(void)type_of(path);
	return 0;
}
