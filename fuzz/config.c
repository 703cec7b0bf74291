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

static void check(const struct server_config *cfg)
{
	if (cfg->port < 1 || cfg->port > 65535 || !memchr(cfg->host, '\0', sizeof(cfg->host)) ||
	    !cfg->host[0] ||
	    !cfg->data_dir || !cfg->web_dir || cfg->nallow_origins > SERVER_MAX_ORIGINS ||
	    cfg->max_conns_per_ip < 1 || cfg->header_timeout < 1 || cfg->header_timeout > 600 ||
	    cfg->session_hours < 1 || cfg->session_hours > 24 * 90 || cfg->abandon_secs < 1 ||
	    cfg->max_image_bytes < 1048576 || cfg->max_file_bytes < 1048576 ||
	    cfg->max_image_pixels < 10000 || !(cfg->msg_rate >= 0.1) || !(cfg->msg_burst >= 1) ||
	    !(cfg->conn_rate >= 0.1) || !(cfg->upload_rate >= 0.01) || !(cfg->upload_burst >= 1)) {
		fprintf(stderr, "config: an accepted file left an out-of-range setting\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static FILE *null_stream;
	struct server_config cfg;
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
	server_config_defaults(&cfg);
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
