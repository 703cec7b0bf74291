/*
 * media.c - fuzz the image intake (media/media.c): magic-byte sniffing,
 * the size and pixel checks read from the header, decoding, rotation and
 * re-encoding, with limits small enough that each run is quick.
 *
 * libvips itself is not instrumented; what is checked is refdesk's glue
 * and its promises: an accepted image comes back as PNG or JPEG (its bytes
 * say so), within the pixel limit, with a thumbnail inside 320×240; a
 * refused one leaves nothing allocated (the leak checker sees to that).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"

#define LIMIT_BYTES (256 * 1024)
#define LIMIT_PIXELS (512 * 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blob(const struct media_blob *b, const char *what)
{
	const char *sniffed = media_sniff(b->data, b->len);

	if (!b->data || !sniffed || strcmp(sniffed, b->mime) ||
	    (strcmp(b->mime, "image/png") && strcmp(b->mime, "image/jpeg")) || b->width < 1 ||
	    b->height < 1) {
		fprintf(stderr, "media: the %s is not a clean PNG or JPEG\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct media_limits lim = { LIMIT_BYTES, LIMIT_PIXELS };
	static bool started;
	struct media_image img;
	int rc;

	if (!started) {
		if (media_init() < 0)
			abort();
		started = true;
	}
	rc = media_ingest(data, size, &lim, &img);
	if (rc == 0) {
		check_blob(&img.full, "image");
		check_blob(&img.thumb, "thumbnail");
		if ((uint64_t)img.full.width * (uint64_t)img.full.height > LIMIT_PIXELS ||
		    img.thumb.width > MEDIA_THUMB_WIDTH || img.thumb.height > MEDIA_THUMB_HEIGHT) {
			fprintf(stderr, "media: %dx%d image, %dx%d thumbnail\n", img.full.width,
				img.full.height, img.thumb.width, img.thumb.height);
			abort();
		}
		media_image_release(&img);
	} else if (img.full.data || img.thumb.data) {
		fprintf(stderr, "media: refused (%d) but left data behind\n", rc);
		abort();
	}
	return 0;
}
