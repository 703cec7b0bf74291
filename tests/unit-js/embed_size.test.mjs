// The loader every library page includes must stay small (its header
// promises under 4 KB gzipped): it loads on pages that may never open a chat.
// It was 2 KB until the follow-me launcher learned to keep off the host
// page's headings, links and frames (web/README.md); that placement is most
// of the rest.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';

test('embed.js stays under 4 KB gzipped', () => {
  const src = fs.readFileSync(new URL('../../web/widget/embed.js', import.meta.url));
  const size = zlib.gzipSync(src, { level: 9 }).length;
  assert.ok(size < 4096, `embed.js is ${size} bytes gzipped`);
});
