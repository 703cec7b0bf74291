// images.mjs: images the tests make themselves, byte by byte — a PNG encoder (zlib from Node),
// a header that lies about its size, and EXIF with GPS spliced into a JPEG that libvips made.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++)
		c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf)
		c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(td));
	return Buffer.concat([len, td, crc]);
}

function ihdr(width, height) {
	const h = Buffer.alloc(13);
	h.writeUInt32BE(width, 0);
	h.writeUInt32BE(height, 4);
	h[8] = 8;  // bit depth
	h[9] = 2;  // RGB
	return h;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A real RGB PNG; pixel(x, y) returns [r, g, b]. */
export function png(width, height, pixel = (x, y) => [(x * 7) & 255, (y * 5) & 255, 128]) {
	const raw = Buffer.alloc((width * 3 + 1) * height);
	for (let y = 0; y < height; y++) {
		raw[y * (width * 3 + 1)] = 0;
		for (let x = 0; x < width; x++)
			raw.set(pixel(x, y), y * (width * 3 + 1) + 1 + x * 3);
	}
	return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr(width, height)),
		chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A few dozen bytes that claim width × height pixels (a decompression bomb's header). */
export function pngBomb(width = 50000, height = 50000) {
	return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr(width, height)),
		chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG made by libvips' command line from a PNG. */
export function jpeg(width = 64, height = 48) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdesk-img-'));
	try {
		fs.writeFileSync(path.join(dir, 'in.png'), png(width, height));
		execFileSync('vips', ['copy', path.join(dir, 'in.png'), path.join(dir, 'out.jpg')]);
		return fs.readFileSync(path.join(dir, 'out.jpg'));
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** An APP1 EXIF segment holding a GPS position and a camera maker. */
function exifSegment() {
	// Little-endian TIFF: IFD0 {Make, GPSInfo -> GPS IFD}, GPS IFD {LatitudeRef "N", Latitude}.
	const t = Buffer.alloc(200);
	t.write('II', 0, 'ascii');
	t.writeUInt16LE(42, 2);
	t.writeUInt32LE(8, 4);
	let o = 8;
	t.writeUInt16LE(2, o); o += 2;                       // IFD0: two entries
	t.writeUInt16LE(0x010f, o); t.writeUInt16LE(2, o + 2); t.writeUInt32LE(12, o + 4); t.writeUInt32LE(100, o + 8); o += 12; // Make
	t.writeUInt16LE(0x8825, o); t.writeUInt16LE(4, o + 2); t.writeUInt32LE(1, o + 4); t.writeUInt32LE(40, o + 8); o += 12;   // GPSInfo
	t.writeUInt32LE(0, o);                                // no next IFD
	o = 40;
	t.writeUInt16LE(2, o); o += 2;                        // GPS IFD: two entries
	t.writeUInt16LE(1, o); t.writeUInt16LE(2, o + 2); t.writeUInt32LE(2, o + 4); t.write('N\0', o + 8, 'ascii'); o += 12;    // GPSLatitudeRef
	t.writeUInt16LE(2, o); t.writeUInt16LE(5, o + 2); t.writeUInt32LE(3, o + 4); t.writeUInt32LE(120, o + 8); o += 12;       // GPSLatitude
	t.writeUInt32LE(0, o);
	t.write('SecretCam\0\0\0', 100, 'ascii');
	for (let i = 0; i < 3; i++) {                         // 52/1 31/1 0/1 degrees
		t.writeUInt32LE([52, 31, 0][i], 120 + i * 8);
		t.writeUInt32LE(1, 124 + i * 8);
	}
	const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), t]);
	const head = Buffer.from([0xff, 0xe1, 0, 0]);
	head.writeUInt16BE(body.length + 2, 2);
	return Buffer.concat([head, body]);
}

/** A JPEG carrying GPS EXIF (and the strings "SecretCam" and "Exif" in it). */
export function jpegWithGps(width = 64, height = 48) {
	const j = jpeg(width, height);
	return Buffer.concat([j.subarray(0, 2), exifSegment(), j.subarray(2)]);
}
