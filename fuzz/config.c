/*
 * config.c - fuzz the --config file parser (read_config() in src/main.c):
 * "name = value" lines, comments, booleans, numbers with their ranges,
 * --listen's HOST:PORT and [v6]:PORT.
 *
 * main.c is compiled into this file (its main() renamed) to reach the
 * static parser; the input is written to a file, as the parser reads a
 * path.  A file that is accepted must leave a configuration within the
 * documented ranges, with an address to listen on.  The parser's complaints go to a null stream
 * (sanitizer reports still reach fd 2).
 */
#define main refdesk_main
#include "main.c"
#undef main

#include <stdint.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct config *cfg)
{
	if (cfg->net.port < 1 || cfg->net.port > 65535 || !memchr(cfg->net.host, '\0', sizeof(cfg->net.host)) ||
	    !cfg->net.host[0] ||
	    !cfg->app.data_dir || !cfg->net.web_dir || cfg->net.nallow_origins > SERVER_MAX_ORIGINS ||
	    cfg->net.max_conns_per_ip < 1 || cfg->net.header_timeout < 1 || cfg->net.header_timeout > 600 ||
	    cfg->app.session_hours < 1 || cfg->app.session_hours > 24 * 90 || cfg->app.abandon_secs < 1 ||
	    cfg->app.max_image_bytes < 1048576 || cfg->app.max_file_bytes < 1048576 ||
	    cfg->app.max_image_pixels < 10000 || !(cfg->net.msg_rate >= 0.1) || !(cfg->net.msg_burst >= 1) ||
	    !(cfg->net.conn_rate >= 0.1) || !(cfg->app.upload_rate >= 0.01) || !(cfg->app.upload_burst >= 1)) {
		fprintf(stderr, "config: an accepted file left an out-of-range setting\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static FILE *null_stream;
	struct config cfg;
	FILE *f, *err = stderr;
	int rc;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/refdesk-fuzz-config-%d", (int)getpid());
		null_stream = fopen("/dev/null", "w");
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	server_config_defaults(&cfg.net);
	app_config_defaults(&cfg.app);
	if (!getenv("FUZZ_TRACE"))
		stderr = null_stream;
	rc = read_config(&cfg, path);
	stderr = err;
	if (rc == 0)
		check(&cfg);
	free(config_text);
	config_text = NULL;
	log_set_level(LOG_INFO);
	unlink(path);
	return 0;
}
