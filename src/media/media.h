/*
 * media.h - the image pipeline: untrusted bytes in, clean images out.
 *
 * Every image a person pastes or uploads goes through media_ingest(): its
 * type is sniffed from magic bytes (PNG, JPEG, WebP, GIF only; never SVG or
 * anything libvips could otherwise load), its size in bytes and pixels is
 * checked from the header before any pixel is decoded, it is decoded with
 * failure on truncated or corrupt data, turned upright by its EXIF
 * orientation, and re-encoded — which drops every piece of metadata (GPS,
 * camera, comments) and anything appended to the file — plus a thumbnail
 * that fits 320×240.  Animated images keep their first frame.
 *
 * Only this module includes <vips/vips.h>.  media_ingest() is CPU-heavy:
 * call it on a worker thread, never on the loop thread.  Thread-safe after
 * media_init().
 */
#ifndef REFDESK_MEDIA_MEDIA_H
#define REFDESK_MEDIA_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#define MEDIA_THUMB_WIDTH 320
#define MEDIA_THUMB_HEIGHT 240

struct media_limits {
	size_t max_bytes;     /* of the uploaded file */
	uint64_t max_pixels;  /* width × height, read from the header */
};

struct media_blob {
	unsigned char *data;  /* you own it: media_image_release() frees it */
	size_t len;
	const char *mime;     /* "image/png" or "image/jpeg" (static) */
	int width, height;
};

struct media_image {
	struct media_blob full;
	struct media_blob thumb;
	const char *source_mime; /* what the upload was, sniffed */
};

/* Start libvips with every loader blocked but PNG, JPEG, WebP and GIF. 0 or -EIO. */
int media_init(void);
/* Release libvips' per-thread state; call on each worker thread before it ends. */
void media_thread_done(void);

/* The image type of `data` by its magic bytes ("image/png", …), or NULL. */
const char *media_sniff(const void *data, size_t len);

/*
 * Validate, clean, re-encode and thumbnail one image.  Returns 0 and fills
 * `out`, or: -EINVAL not an image of an accepted type; -EFBIG over
 * max_bytes; -E2BIG over max_pixels; -EBADMSG truncated or corrupt.
 * Nothing is allocated in `out` on error.
 */
int media_ingest(const void *data, size_t len, const struct media_limits *lim,
		 struct media_image *out);
void media_image_release(struct media_image *img);

#endif
