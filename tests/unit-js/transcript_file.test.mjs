// Tests for web/widget/transcript_file.js: the guest's saved transcript.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Transcript } from '../../web/shared/transcript_model.js';
import { buildTranscriptFile, transcriptFileName, escapeHtml, dayOf } from '../../web/widget/transcript_file.js';
import { PAYLOADS } from '../e2e/lib/xss_payloads.mjs';

// 2026-12-03 23:30 UTC: already 4 December in Tokyo, still 3 December in New York.
const T0 = Date.UTC(2026, 11, 3, 23, 30);
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

function chat(events) {
  const t = new Transcript();
  t.addEvents(events.map((e, i) => ({ chat: 'c', seq: i + 1, at: T0 + i * 60000, ...e })));
  return t.items;
}

const BASIC = [
  { kind: 'notice', notice: 'started', name: 'Ann' },
  { kind: 'notice', notice: 'joined', name: 'Nora Lind' },
  { kind: 'message', from: 'guest', name: 'Ann', text: 'Where are the maps?', cid: 'g1' },
  { kind: 'message', from: 'operator', name: 'Nora Lind', operator_id: 1, text: 'Second floor.\nNear the stairs.', cid: 'o1' },
];

/** The text between <body> and </body>, tags removed: roughly what a reader sees. */
function bodyText(html) {
  return html.slice(html.indexOf('<body>')).replace(/<[^>]*>/g, '');
}

test('the file holds the conversation: heading, list, names and messages', () => {
  const html = buildTranscriptFile({ title: 'Ask a librarian', items: chat(BASIC), timeZone: 'UTC', savedAt: T0 + 3600000 });
  assert.match(html, /^<!doctype html>\n<html lang="en" dir="ltr">/);
  assert.match(html, /<h1>Ask a librarian<\/h1>/);
  assert.match(html, /<ol>\n<li>/);
  assert.equal(html.match(/<li>/g).length, 4);
  assert.match(html, /<span class="who">You<\/span>/);
  assert.match(html, /<span class="who">Nora Lind<\/span>/);
  assert.match(html, /Where are the maps\?/);
  assert.match(html, /Second floor.\nNear the stairs./);
  assert.match(html, /Nora Lind joined the chat/);
});

test('nothing in the file can run or load: no script, a CSP that forbids it, no outside URL', () => {
  const items = chat([...BASIC, { kind: 'snapshot', from: 'operator', name: 'Nora Lind', blob: 'b'.repeat(64), thumb: 't'.repeat(64),
    file_name: 'screen.png', mime: 'image/png', cid: 'o2' }]);
  const html = buildTranscriptFile({ title: 'Ask', items, images: new Map([['t'.repeat(64), PNG]]), timeZone: 'UTC' });
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  assert.doesNotMatch(html, /<link|https?:|\/api\//);
});

test('every XSS payload and markup stays text wherever a person typed it', () => {
  for (const p of PAYLOADS) {
    const items = chat([
      { kind: 'notice', notice: 'joined', name: p },
      { kind: 'message', from: 'operator', name: p, operator_id: 1, text: p, cid: 'o1' },
      { kind: 'message', from: 'guest', name: p, text: `<b>${p}</b>`, cid: 'g1' },
      { kind: 'file', from: 'operator', name: p, blob: 'f'.repeat(64), file_name: p, mime: 'application/pdf', size: 2048, cid: 'o2' },
      { kind: 'snapshot', from: 'operator', name: p, blob: 'b'.repeat(64), thumb: 't'.repeat(64), file_name: p, alt: p, cid: 'o3' },
      { kind: 'share', step: 'invited', from: 'operator', text: p },
    ]);
    const html = buildTranscriptFile({ title: p, items, guestLabel: p, images: new Map([['t'.repeat(64), PNG]]), timeZone: 'UTC' });
    const body = html.slice(html.indexOf('<body>'));
    // Only the builder's own tags are left; no attribute but its own.
    const tags = new Set([...body.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1].toLowerCase()));
    assert.deepEqual([...tags].filter((t) => !['body', 'main', 'h1', 'h2', 'p', 'ol', 'li', 'span', 'time', 'img', 'html'].includes(t)), [], p);
    const attrs = new Set([...body.matchAll(/\s([a-z-]+)="/gi)].map((m) => m[1].toLowerCase()));
    assert.deepEqual([...attrs].filter((a) => !['class', 'datetime', 'src', 'alt'].includes(a)), [], p);
    assert.ok(bodyText(html).includes(escapeHtml(p)), p);
    assert.ok(html.includes(`<title>${escapeHtml(p)} — chat of`), p);
  }
});

test('escapeHtml escapes both quotes, ampersands and angle brackets', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  assert.equal(escapeHtml(null), '');
});

test('times carry the date, in the patron\'s own time zone, which the file names', () => {
  const items = chat(BASIC);
  const tokyo = buildTranscriptFile({ title: 'Ask', items, timeZone: 'Asia/Tokyo', savedAt: T0 });
  assert.match(tokyo, /Times are in your time zone \(Asia\/Tokyo\)/);
  assert.match(tokyo, /Chat of 4 December 2026\./);
  assert.match(tokyo, /<time datetime="2026-12-03T23:30:00.000Z">4 December 2026 at 08:30<\/time>/);
  const ny = buildTranscriptFile({ title: 'Ask', items, timeZone: 'America/New_York', savedAt: T0 });
  assert.match(ny, /Chat of 3 December 2026\./);
  assert.match(ny, /<time datetime="2026-12-03T23:32:00.000Z">3 December 2026 at 18:32<\/time>/);
});

test('the file name is the chat\'s day where the patron is', () => {
  const items = chat(BASIC);
  assert.equal(transcriptFileName(items, { timeZone: 'Asia/Tokyo' }), 'chat-2026-12-04.html');
  assert.equal(transcriptFileName(items, { timeZone: 'America/New_York' }), 'chat-2026-12-03.html');
  assert.equal(transcriptFileName([], { timeZone: 'UTC', savedAt: Date.UTC(2027, 0, 9, 12) }), 'chat-2027-01-09.html');
  assert.equal(dayOf(Date.UTC(2026, 0, 1, 0, 0), 'UTC'), '2026-01-01');
});

test('screensharing consent steps are written in words', () => {
  const items = chat([
    { kind: 'share', step: 'invited', from: 'operator', text: 'May I see the catalogue page?' },
    { kind: 'share', step: 'accepted', from: 'guest' },
    { kind: 'share', step: 'started', from: 'guest' },
    { kind: 'share', step: 'snapshot', from: 'operator' },
    { kind: 'share', step: 'stopped', from: 'guest', by: 'guest' },
    { kind: 'share', step: 'declined', from: 'guest' },
    { kind: 'notice', notice: 'ended', by: 'operator' },
  ]);
  const text = bodyText(buildTranscriptFile({ title: 'Ask', items, timeZone: 'UTC' }));
  for (const line of ['The librarian asked to see your screen: “May I see the catalogue page?”', 'You agreed to share your screen',
    'You started sharing your screen', 'The librarian took a snapshot of your screen', 'You stopped sharing your screen',
    'You declined to share your screen', 'The librarian ended the chat'])
    assert.ok(text.includes(line), line);
});

test('files are named with their type and size, never embedded', () => {
  const items = chat([{ kind: 'file', from: 'operator', name: 'Nora Lind', blob: 'f'.repeat(64), file_name: 'reading list.pdf',
    mime: 'application/pdf', size: 3 * 1024, cid: 'o1' }]);
  const html = buildTranscriptFile({ title: 'Ask', items, images: new Map([['f'.repeat(64), PNG]]), timeZone: 'UTC' });
  assert.match(html, /File: reading list\.pdf \(application\/pdf, 3 KB\) — not included in this copy/);
  assert.doesNotMatch(html.slice(html.indexOf('<body>')), /<img|data:/);
});

test('snapshots are embedded as data: pictures with their alt text; anything else is refused', () => {
  const snap = (alt) => chat([{ kind: 'snapshot', from: 'operator', name: 'Nora Lind', blob: 'b'.repeat(64), thumb: 't'.repeat(64),
    file_name: 'screen.png', alt, cid: 'o1' }]);
  const html = buildTranscriptFile({ title: 'Ask', items: snap('The search form'), images: new Map([['t'.repeat(64), PNG]]), timeZone: 'UTC' });
  assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="The search form">/);
  assert.match(html, /Picture: screen\.png/);
  // No alt text: the file name stands in.
  assert.match(buildTranscriptFile({ title: 'Ask', items: snap(''), images: new Map([['t'.repeat(64), PNG]]), timeZone: 'UTC' }),
    /alt="screen\.png"/);
  for (const bad of ['https://evil.example/x.png', 'data:text/html;base64,PHNjcmlwdD4=', 'javascript:alert(1)',
    'data:image/png;base64,AAA" onerror="x', 'blob:http://127.0.0.1/x']) {
    const out = buildTranscriptFile({ title: 'Ask', items: snap('x'), images: new Map([['t'.repeat(64), bad]]), timeZone: 'UTC' });
    assert.doesNotMatch(out, /<img/, bad);
    assert.match(out, /The picture could not be included/, bad);
  }
  // Missing thumbnail: said so, not a broken picture.
  assert.match(buildTranscriptFile({ title: 'Ask', items: snap('x'), timeZone: 'UTC' }), /The picture could not be included/);
});

test('a message not yet sent is marked; an upload that never went is left out', () => {
  const t = new Transcript();
  t.addEvent({ chat: 'c', seq: 1, at: T0, kind: 'notice', notice: 'started' });
  t.addPending({ cid: 'g1', text: 'still going', from: 'guest', at: T0 + 1000 });
  t.addPendingUpload({ cid: 'g2', kind: 'snapshot', from: 'guest', fileName: 'local.png', mime: 'image/png', size: 10, preview: 'blob:x' });
  const html = buildTranscriptFile({ title: 'Ask', items: t.items, timeZone: 'UTC' });
  assert.match(html, /still going<\/p><p class="unsent">Not sent<\/p>/);
  assert.doesNotMatch(html, /local\.png/);
});

test('an unnamed guest and an empty chat read well', () => {
  const items = chat([{ kind: 'message', from: 'operator', name: null, operator_id: 1, text: 'Hello', cid: 'o1' }]);
  assert.match(buildTranscriptFile({ title: '', items, timeZone: 'UTC' }), /<h1>Chat with a librarian<\/h1>[\s\S]*<span class="who">Librarian<\/span>/);
  assert.match(buildTranscriptFile({ title: 'Ask', items: [], timeZone: 'UTC' }), /<p>No messages\.<\/p>/);
});
