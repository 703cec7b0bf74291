// Tests for web/shared/attachments.js and the upload parts of
// web/shared/transcript_model.js (snapshots and files, PROTOCOL.md 2.6).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  humanSize, sizeOver, checkUpload, uploadHeaders, uploadErrorText, imageFromTransfer, fileDetails,
  itemSummary, thumbBox, renderKind, progressText, blobUrl, uploadUrl, MAX_IMAGE_BYTES, MAX_FILE_BYTES, IMAGE_ACCEPT,
} from '../../web/shared/attachments.js';
import { Transcript, stateText, startsGroup } from '../../web/shared/transcript_model.js';
import { Desk } from '../../web/operator/desk_model.js';

test('sizes read as people say them', () => {
  assert.equal(humanSize(0), '0 bytes');
  assert.equal(humanSize(1), '1 byte');
  assert.equal(humanSize(1023), '1023 bytes');
  assert.equal(humanSize(1024), '1 KB');
  assert.equal(humanSize(2253), '2.2 KB');
  assert.equal(humanSize(15 * 1024 * 1024), '15 MB');
  assert.equal(humanSize(3.45 * 1024 * 1024), '3.4 MB');
  assert.equal(humanSize(5 * 1024 ** 3), '5 GB');
  assert.equal(humanSize(-1), '');
  assert.equal(humanSize(undefined), '');
  // Just over a limit never reads as the limit itself.
  assert.equal(sizeOver(MAX_IMAGE_BYTES + 1), '15.1 MB');
  assert.equal(sizeOver(500), '500 bytes');
});

test('images and files are checked before anything is sent', () => {
  assert.equal(IMAGE_ACCEPT, 'image/png,image/jpeg,image/webp,image/gif');
  assert.deepEqual(checkUpload({ type: 'image/png', size: 10 }, 'image').ok, true);
  const big = checkUpload({ type: 'image/jpeg', size: MAX_IMAGE_BYTES + 1 }, 'image');
  assert.equal(big.reason, 'too_large');
  assert.match(big.message, /The limit is 15 MB/);
  assert.match(big.message, /15\.1 MB/);
  assert.equal(checkUpload({ type: 'image/jpeg', size: MAX_IMAGE_BYTES }, 'image').ok, true);
  assert.equal(checkUpload({ type: 'image/svg+xml', size: 10 }, 'image').reason, 'not_image');
  assert.equal(checkUpload({ type: 'application/pdf', size: 10 }, 'image').reason, 'not_image');
  assert.equal(checkUpload({ type: 'image/png', size: 0 }, 'image').reason, 'empty');
  assert.equal(checkUpload({ type: 'application/pdf', size: MAX_FILE_BYTES }, 'file').ok, true);
  assert.match(checkUpload({ type: '', size: MAX_FILE_BYTES + 1 }, 'file').message, /limit is 25 MB/);
  assert.equal(checkUpload({ type: 'image/png', size: 2e6 }, 'image', { maxImage: 1e6 }).reason, 'too_large');
});

test('upload headers: kind, client id, percent-encoded name and alt', () => {
  assert.deepEqual(uploadHeaders({ kind: 'image', cid: 'gu-1', name: 'Écran 1/2.png', alt: '  a map  ', type: 'image/png' }), {
    'X-Upload-Kind': 'image', 'X-Client-Id': 'gu-1', 'X-File-Name': '%C3%89cran%201%2F2.png', 'X-Alt': 'a%20map',
    'Content-Type': 'image/png' });
  const file = uploadHeaders({ kind: 'file', cid: 'ou-2', name: 'notes.txt', alt: 'ignored', type: '' });
  assert.equal(file['X-Alt'], undefined, 'files carry no alt');
  assert.equal(file['Content-Type'], 'application/octet-stream');
  assert.equal(uploadHeaders({ kind: 'image', cid: 'x', alt: '   ' })['X-Alt'], undefined);
  assert.equal(decodeURIComponent(uploadHeaders({ kind: 'image', cid: 'x', alt: 'a'.repeat(1500) })['X-Alt']).length, 1000);
  assert.equal(uploadUrl('c_A b'), '/api/chats/c_A%20b/uploads');
  assert.equal(blobUrl('c_1', 'ab12'), '/api/chats/c_1/blobs/ab12');
});

test('server refusals are explained, and only passing troubles are retried', () => {
  assert.deepEqual(uploadErrorText(0, 'network').retry, true);
  assert.match(uploadErrorText(415, 'not_image').text, /PNG, JPEG, WebP or GIF/);
  assert.equal(uploadErrorText(415, 'not_image').retry, false);
  assert.match(uploadErrorText(413, 'too_large').text, /limit/);
  assert.match(uploadErrorText(413, 'too_many_pixels').text, /pixels/);
  assert.match(uploadErrorText(400, 'corrupt').text, /damaged/);
  assert.deepEqual(uploadErrorText(429, 'rate_limited').retry, true);
  assert.deepEqual(uploadErrorText(507, 'storage').retry, true);
  assert.deepEqual(uploadErrorText(409, 'chat_ended'), { text: 'the chat has ended.', retry: false });
  assert.equal(uploadErrorText(500, 'http_500').retry, true);
  assert.equal(uploadErrorText(404, 'not_found').retry, false);
});

test('the first image of a clipboard or drop is taken', () => {
  const png = { type: 'image/png', name: 'a.png' };
  const pdf = { type: 'application/pdf', name: 'b.pdf' };
  assert.equal(imageFromTransfer({ files: [pdf, png] }), png);
  assert.equal(imageFromTransfer({ files: [pdf] }), null);
  // Some browsers list a pasted image only among the items.
  const item = { kind: 'file', type: 'image/webp', getAsFile: () => png };
  assert.equal(imageFromTransfer({ files: [], items: [{ kind: 'string', type: 'text/plain' }, item] }), png);
  assert.equal(imageFromTransfer(null), null);
});

test('which items render how, for each side', () => {
  const snap = { kind: 'snapshot', from: 'guest' };
  assert.equal(renderKind(snap, 'guest'), 'image');
  assert.equal(renderKind(snap, 'operator'), 'image-hidden');
  assert.equal(renderKind({ ...snap, revealed: true }, 'operator'), 'image');
  assert.equal(renderKind({ kind: 'snapshot', from: 'operator' }, 'operator'), 'image', "the operator's own");
  assert.equal(renderKind({ kind: 'file', from: 'operator' }, 'guest'), 'file');
  assert.equal(renderKind({ kind: 'message' }, 'guest'), 'text');
  assert.equal(fileDetails({ mime: 'application/pdf', size: 2253 }), 'application/pdf · 2.2 KB');
  assert.equal(itemSummary({ kind: 'snapshot', file_name: 's.png' }), 'Image: s.png');
  assert.equal(itemSummary({ kind: 'file', file_name: 'f.pdf' }), 'File: f.pdf');
  assert.equal(itemSummary({ kind: 'message', text: 'hi' }), 'hi');
  assert.deepEqual(thumbBox({ thumb_width: 320, thumb_height: 180 }), { width: 320, height: 180 });
  assert.deepEqual(thumbBox({ thumb_width: 320, thumb_height: 240 }, 160), { width: 160, height: 120 });
  assert.deepEqual(thumbBox({}), { width: 240, height: 180 });
  assert.equal(progressText(0.42), 'Uploading… 42%');
  assert.equal(progressText(null), 'Uploading…');
});

const snapEvent = (seq, cid, extra = {}) => ({ type: 'event', chat: 'c', seq, at: seq * 1000, kind: 'snapshot', from: 'guest',
  name: null, cid, blob: 'b'.repeat(64), thumb: 't'.repeat(64), mime: 'image/png', width: 640, height: 360,
  thumb_width: 320, thumb_height: 180, size: 9000, file_name: 'screen.png', alt: 'Screenshot from the guest, 640×360', ...extra });

test('an upload goes pending -> progress -> sent, and its event fills in the thumbnail (ack first)', () => {
  const t = new Transcript();
  const item = t.addPendingUpload({ cid: 'gu-1', kind: 'snapshot', from: 'guest', fileName: 'screen.png',
    mime: 'image/png', size: 9000, preview: 'blob:local' });
  assert.equal(item.state, 'pending');
  assert.equal(stateText(item), 'Uploading… 0%');
  assert.equal(t.setProgress('gu-1', 0.5), true);
  assert.equal(t.setProgress('gu-1', 0.5), false, 'no change, no new version');
  assert.equal(stateText(item), 'Uploading… 50%');
  t.ack('gu-1', 3);
  assert.equal(item.state, 'sent');
  assert.equal(item.awaitingEvent, true);
  assert.equal(item.blob, undefined);
  const v = t.version;
  assert.equal(t.addEvent(snapEvent(3, 'gu-1')), false, 'the event is not a new item');
  assert.ok(t.version > v, 'but it changed the item');
  assert.equal(item.thumb, 't'.repeat(64));
  assert.equal(item.thumb_width, 320);
  assert.equal(item.alt, 'Screenshot from the guest, 640×360');
  assert.equal(item.awaitingEvent, false);
  assert.equal(t.items.length, 1);
  assert.equal(item.key, 'c:gu-1', 'one key for its whole life');
});

test('an upload whose event comes before its ack is one item', () => {
  const t = new Transcript();
  t.addPendingUpload({ cid: 'gu-2', kind: 'snapshot', from: 'guest', fileName: 'a.png', mime: 'image/png', size: 5 });
  assert.equal(t.addEvent(snapEvent(4, 'gu-2')), true);
  assert.equal(t.items.length, 1);
  assert.equal(t.items[0].state, 'sent');
  assert.equal(t.items[0].blob, 'b'.repeat(64));
  assert.equal(t.ack('gu-2', 4), true);
  assert.equal(t.items.length, 1);
  assert.equal(t.items[0].awaitingEvent, false);
  // A message and an upload never merge, even on a shared cid.
  t.addPending({ cid: 'x', text: 'hi', from: 'guest' });
  t.addEvent(snapEvent(5, 'x'));
  assert.equal(t.items.length, 3);
});

test('a refused upload shows why; a passing failure can be retried or removed', () => {
  const t = new Transcript();
  t.addPendingUpload({ cid: 'gu-3', kind: 'file', from: 'operator', fileName: 'f.pdf', mime: 'application/pdf', size: 5 });
  t.fail('gu-3', 'the connection dropped before it arrived.', { retryable: true });
  const item = t.items[0];
  assert.equal(item.retryable, true);
  assert.equal(stateText(item), 'Not sent: the connection dropped before it arrived.');
  t.retry('gu-3');
  assert.equal(stateText(item), 'Uploading… 0%');
  t.fail('gu-3', 'x');
  assert.equal(t.remove('gu-3'), true);
  assert.equal(t.items.length, 0);
  t.addEvent(snapEvent(1, 'other'));
  assert.equal(t.remove('other'), false, 'a stored event stays');
});

test("others' snapshots and files arrive as items; Show reveals one", () => {
  const t = new Transcript();
  t.addEvent(snapEvent(1, 'g-1'));
  t.addEvent({ type: 'event', chat: 'c', seq: 2, at: 2000, kind: 'file', from: 'operator', name: 'Nora', cid: 'o-1',
    blob: 'f'.repeat(64), file_name: 'list.pdf', mime: 'application/pdf', size: 2253 });
  const [snap, file] = t.items;
  assert.equal(snap.kind, 'snapshot');
  assert.equal(snap.revealed, false);
  assert.equal(file.file_name, 'list.pdf');
  assert.equal(file.size, 2253);
  assert.equal(t.reveal(snap.key), true);
  assert.equal(t.reveal(snap.key), false);
  assert.equal(renderKind(snap, 'operator'), 'image');
  assert.equal(startsGroup(t.items[1], t.items[0]), true, 'another sender starts a group');
  t.addEvent(snapEvent(3, 'g-2', { at: 3000 }));
  assert.equal(startsGroup(t.items[2], t.items[1]), true, "after the operator's file, the guest starts a group");
  t.addEvent(snapEvent(4, 'g-3', { at: 4000 }));
  assert.equal(startsGroup(t.items[3], t.items[2]), false, 'two snapshots in a row group like messages');
});

test("the desk redraws when an upload's event fills in an item it already acked", () => {
  const d = new Desk();
  d.applyHello({ operator: { id: 1, name: 'Nora' }, queues: [], chats: [{ chat: 'c', queue: 'ask', status: 'active',
    name: 'Ann', operator: { id: 1, name: 'Nora' }, started_at: 1, seq: 1 }] });
  const t = d.chats.get('c').transcript;
  t.addPendingUpload({ cid: 'ou-1', kind: 'snapshot', from: 'operator', fileName: 'a.png', mime: 'image/png', size: 5 });
  t.ack('ou-1', 2);
  const v = d.version;
  d.event(snapEvent(2, 'ou-1', { from: 'operator' }));
  assert.ok(d.version > v, 'the desk changed');
  assert.equal(t.items[0].blob, 'b'.repeat(64));
  const v2 = d.version;
  d.event(snapEvent(2, 'ou-1', { from: 'operator' }));
  assert.equal(d.version, v2, 'a true duplicate changes nothing');
});
