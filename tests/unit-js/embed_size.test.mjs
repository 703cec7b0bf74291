// The loader every library page includes must stay small (its header
// promises under 2 KB gzipped): it loads on pages that may never open a chat.
// What only follow-me needs, the placement of its button (dock.js), loads
// after the page and only in that mode.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';

test('embed.js stays under 2 KB gzipped', () => {
  const src = fs.readFileSync(new URL('../../web/widget/embed.js', import.meta.url));
  const size = zlib.gzipSync(src, { level: 9 }).length;
  assert.ok(size < 2048, `embed.js is ${size} bytes gzipped`);
});
