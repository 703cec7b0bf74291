/*
 * media.c - see media.h.
 *
 * The order matters: sniff, then read only the header (a 69-byte PNG may
 * declare 100,000 × 100,000 pixels; it is refused here in well under a
 * millisecond without allocating them), then decode for real, failing on
 * the first damaged byte.
 */
#include "media/media.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <vips/vips.h>

#include "base/log.h"

static const char *const allowed_loaders[] = {
	"VipsForeignLoadPngBuffer",
	"VipsForeignLoadJpegBuffer",
	"VipsForeignLoadWebpBuffer",
	"VipsForeignLoadNsgifBuffer",
};

int media_init(void)
{
	size_t i;

	if (VIPS_INIT("refdesk"))
		return -EIO;
	/* One image is worked on by one thread; the pool decides the parallelism. */
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (i = 0; i < sizeof(allowed_loaders) / sizeof(allowed_loaders[0]); i++)
		vips_operation_block_set(allowed_loaders[i], FALSE);
	return 0;
}

void media_thread_done(void)
{
	vips_thread_shutdown();
}

const char *media_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (len >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return "image/gif";
	if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

static void blob_release(struct media_blob *b)
{
	g_free(b->data);
	b->data = NULL;
	b->len = 0;
}

void media_image_release(struct media_image *img)
{
	blob_release(&img->full);
	blob_release(&img->thumb);
}

/* Photos become JPEG; screenshots and anything with transparency stay lossless PNG. */
static int encode(VipsImage *img, bool photo, int quality, struct media_blob *out)
{
	void *buf = NULL;
	size_t len = 0;
	int rc;

	if (photo && !vips_image_hasalpha(img))
		rc = vips_jpegsave_buffer(img, &buf, &len, "Q", quality, "strip", TRUE,
					  "optimize_coding", TRUE, "interlace", FALSE, NULL);
	else
		rc = vips_pngsave_buffer(img, &buf, &len, "strip", TRUE, "compression", 1,
					 "filter", VIPS_FOREIGN_PNG_FILTER_NONE, NULL);
	if (rc) {
		vips_error_clear();
		return -EBADMSG;
	}
	out->data = buf;
	out->len = len;
	out->mime = photo && !vips_image_hasalpha(img) ? "image/jpeg" : "image/png";
	out->width = vips_image_get_width(img);
	out->height = vips_image_get_height(img);
	return 0;
}

/* Check what the header promises before decoding a single pixel. */
static int check_header(const void *data, size_t len, const struct media_limits *lim)
{
	VipsImage *head = vips_image_new_from_buffer(data, len, "", "access",
						     VIPS_ACCESS_SEQUENTIAL, "fail_on",
						     VIPS_FAIL_ON_ERROR, NULL);
	uint64_t w, h;

	if (!head) {
		vips_error_clear();
		return -EBADMSG;
	}
	w = (uint64_t)vips_image_get_width(head);
	h = (uint64_t)vips_image_get_page_height(head);
	g_object_unref(head);
	if (!w || !h)
		return -EBADMSG;
	if (w * h > lim->max_pixels)
		return -E2BIG;
	return 0;
}

/*
 * Two streaming passes instead of one image held in memory: the full image
 * is decoded and re-encoded row by row, then the thumbnail is made from the
 * bytes again by vips_thumbnail_buffer(), which shrinks JPEG and WebP while
 * loading.  A 4K screenshot never sits decoded in memory (~25 MB saved) and
 * the whole intake is faster for it.  Only an image with an EXIF rotation
 * is loaded for random access, since turning it needs all of it.
 */
int media_ingest(const void *data, size_t len, const struct media_limits *lim,
		 struct media_image *out)
{
	VipsImage *in = NULL, *upright = NULL, *thumb = NULL;
	const char *mime = media_sniff(data, len);
	bool photo;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!mime)
		return -EINVAL;
	if (len > lim->max_bytes)
		return -EFBIG;
	rc = check_header(data, len, lim);
	if (rc < 0)
		return rc;
	photo = !strcmp(mime, "image/jpeg") || !strcmp(mime, "image/webp");
	in = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
					VIPS_FAIL_ON_ERROR, NULL);
	if (!in) {
		rc = -EBADMSG;
		goto out;
	}
	if (vips_image_get_typeof(in, VIPS_META_ORIENTATION) && vips_image_get_orientation(in) > 1) {
		g_object_unref(in);
		in = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_RANDOM,
						"fail_on", VIPS_FAIL_ON_ERROR, NULL);
		if (!in || vips_autorot(in, &upright, NULL)) {
			rc = -EBADMSG;
			goto out;
		}
	} else {
		upright = in;
		g_object_ref(upright);
	}
	rc = encode(upright, photo, 90, &out->full);
	if (rc < 0)
		goto out;
	if (vips_thumbnail_buffer((void *)data, len, &thumb, MEDIA_THUMB_WIDTH, "height",
				  MEDIA_THUMB_HEIGHT, "size", VIPS_SIZE_DOWN, "option_string",
				  "fail_on=error", NULL)) {
		rc = -EBADMSG;
		goto out;
	}
	rc = encode(thumb, photo, 82, &out->thumb);
	out->source_mime = mime;
out:
	if (rc < 0) {
		vips_error_clear();
		media_image_release(out);
	}
	if (thumb)
		g_object_unref(thumb);
	if (upright)
		g_object_unref(upright);
	if (in)
		g_object_unref(in);
	return rc;
}
