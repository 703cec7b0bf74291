// Tests for web/share/editor_model.js: the snapshot editor's document,
// commands with undo/redo, view maths, step numbering and serialisation.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  EditorModel, newDocument, makeShape, makeText, makeStep, bounds, hits, hitTest, handles, movePatch,
  resizePatch, growPatch, stylePatch, fitTransform, imageToView, viewToImage, zoomAt, panBy, visibleRect,
  serializeDocument, parseDocument, defaultAlt, exportFileName, redactionPixels, blockAverages, clampToImage,
} from '../../web/share/editor_model.js';

const style = { color: '#1660d9', width: 4 };
const fresh = (w = 400, h = 300) => new EditorModel(newDocument({ width: w, height: h }));
const snapshot = (m) => JSON.parse(JSON.stringify(m.doc));

test('each tool makes its object from a press and a release', () => {
  const p = { x: 120, y: 80 };
  const q = { x: 20, y: 30 };
  assert.deepEqual(makeShape('rect', p, q, style), { type: 'rect', x: 20, y: 30, w: 100, h: 50, color: '#1660d9', width: 4 });
  assert.deepEqual(makeShape('line', p, q, style), { type: 'line', x1: 120, y1: 80, x2: 20, y2: 30, color: '#1660d9', width: 4 });
  assert.equal(makeShape('arrow', p, q, style).type, 'arrow');
  assert.deepEqual(makeShape('highlight', p, q, { ...style, color: '#ffd400' }), { type: 'highlight', x: 20, y: 30, w: 100, h: 50, color: '#ffd400' });
  assert.deepEqual(makeShape('redact', p, q, style), { type: 'redact', x: 20, y: 30, w: 100, h: 50, mode: 'solid', block: 12 });
  assert.equal(makeShape('redact', p, q, { redactMode: 'pixelate' }).mode, 'pixelate');
  assert.equal(makeShape('rect', p, { x: 121, y: 81 }, style), null, 'a click alone draws nothing');
  const text = makeText({ x: 5, y: 6 }, 'Hi\nthere', style);
  assert.equal(text.type, 'text');
  assert.equal(text.size, 24);
  assert.deepEqual([text.w, text.h], [24 * 0.6 * 5, 24 * 1.25 * 2]);
  const step = makeStep({ x: 50, y: 60 }, style);
  assert.deepEqual(step, { type: 'step', x: 50, y: 60, r: 18, color: '#1660d9', n: 0 });
});

test('geometry: bounds, hits, handles, move, resize, grow, restyle', () => {
  const rect = { type: 'rect', x: 10, y: 10, w: 100, h: 50, color: '#000000', width: 4 };
  assert.deepEqual(bounds(rect), { x: 10, y: 10, w: 100, h: 50 });
  assert.ok(hits(rect, { x: 10, y: 30 }), 'on the outline');
  assert.ok(!hits(rect, { x: 60, y: 35 }), 'a rectangle is its outline, not its inside');
  const hl = { type: 'highlight', x: 10, y: 10, w: 100, h: 50, color: '#ffd400' };
  assert.ok(hits(hl, { x: 60, y: 35 }), 'a highlight is its whole area');
  const line = { type: 'arrow', x1: 0, y1: 0, x2: 100, y2: 100, color: '#000000', width: 2 };
  assert.ok(hits(line, { x: 50, y: 52 }));
  assert.ok(!hits(line, { x: 50, y: 70 }));
  assert.deepEqual(handles(line).map((x) => x.name), ['p1', 'p2']);
  assert.deepEqual(handles(rect).map((x) => x.name), ['nw', 'ne', 'se', 'sw']);
  assert.deepEqual(movePatch(line, 5, -5), { x1: 5, y1: -5, x2: 105, y2: 95 });
  assert.deepEqual(resizePatch(rect, 'se', { x: 200, y: 100 }), { x: 10, y: 10, w: 190, h: 90 });
  assert.deepEqual(resizePatch(rect, 'nw', { x: 150, y: 100 }), { x: 110, y: 60, w: 40, h: 40 }, 'dragging past the opposite corner flips');
  assert.deepEqual(growPatch(rect, 4, 0), { w: 104, h: 50 });
  assert.deepEqual(stylePatch(rect, { color: '#ffffff', width: 10 }), { color: '#ffffff', width: 10 });
  assert.deepEqual(stylePatch(hl, { width: 10 }), {}, 'a highlight has no stroke');
  const doc = { objects: [hl, { ...rect, id: 'top' }] };
  assert.equal(hitTest(doc, { x: 10, y: 30 }).id, 'top', 'the topmost object wins');
});

test('undo and redo replay commands exactly, and a new command drops the redo branch', () => {
  const m = fresh();
  const s0 = snapshot(m);
  m.add(makeShape('rect', { x: 0, y: 0 }, { x: 50, y: 50 }, style));
  const s1 = snapshot(m);
  const arrow = m.add(makeShape('arrow', { x: 10, y: 10 }, { x: 90, y: 40 }, style));
  const s2 = snapshot(m);
  m.update(arrow.id, movePatch(arrow, 10, 10), { label: 'Move' });
  const s3 = snapshot(m);
  m.setCrop({ x: 5, y: 5, w: 200, h: 100 });
  const s4 = snapshot(m);
  assert.equal(m.undo(), 'Crop');
  assert.deepEqual(snapshot(m), s3);
  assert.equal(m.undo(), 'Move');
  assert.deepEqual(snapshot(m), s2);
  m.undo();
  assert.deepEqual(snapshot(m), s1);
  m.undo();
  assert.deepEqual(snapshot(m), s0);
  assert.equal(m.undo(), null, 'nothing left to undo');
  for (const want of [s1, s2, s3, s4]) {
    m.redo();
    assert.deepEqual(snapshot(m), want);
  }
  assert.equal(m.redo(), null);

  // Undo twice, then draw something new: the redo branch is gone, and
  // undoing the new command gives back the state it branched from.
  m.undo();
  m.undo();
  assert.deepEqual(snapshot(m), s2);
  m.add(makeShape('line', { x: 0, y: 100 }, { x: 100, y: 100 }, style));
  assert.equal(m.canRedo, false);
  assert.equal(m.redo(), null);
  m.undo();
  assert.deepEqual(snapshot(m), s2);
  m.redo();
  assert.equal(m.doc.objects.at(-1).type, 'line');
  m.undo();
  m.undo();
  m.undo();
  assert.deepEqual(snapshot(m), s0, 'unlimited undo back to the start');
});

test('nudges of one object merge into one undo step; deletion and text edits undo', () => {
  const m = fresh();
  const r = m.add(makeShape('rect', { x: 0, y: 0 }, { x: 50, y: 50 }, style));
  const before = snapshot(m);
  for (let i = 0; i < 5; i++) m.update(r.id, movePatch(m.get(r.id), 1, 0), { label: 'Move', merge: `move:${r.id}` });
  assert.equal(m.get(r.id).x, 5);
  assert.equal(m.undoStack.length, 2);
  m.undo();
  assert.deepEqual(snapshot(m), before);
  const t = m.add(makeText({ x: 5, y: 5 }, 'first', style));
  m.update(t.id, { text: 'second' }, { label: 'Edit text' });
  m.remove(r.id);
  assert.equal(m.get(r.id), null);
  m.undo();
  assert.deepEqual(m.get(r.id), before.objects[0], 'deleted object comes back in place');
  assert.equal(m.doc.objects[0].id, r.id);
  m.undo();
  assert.equal(m.get(t.id).text, 'first');
});

test('step markers: numbering from a start value, and after deletes', () => {
  const m = fresh();
  const a = m.add(makeStep({ x: 10, y: 10 }, style));
  const b = m.add(makeStep({ x: 20, y: 10 }, style));
  const c = m.add(makeStep({ x: 30, y: 10 }, style));
  assert.deepEqual([a, b, c].map((o) => m.get(o.id).n), [1, 2, 3]);
  assert.equal(m.doc.nextStep, 4);
  m.remove(b.id);
  assert.deepEqual([m.get(a.id).n, m.get(c.id).n], [1, 2], 'later markers close the gap');
  assert.equal(m.doc.nextStep, 3);
  const d = m.add(makeStep({ x: 40, y: 10 }, style));
  assert.equal(d.n, 3);
  m.setStepStart(5);
  assert.deepEqual([a, c, d].map((o) => m.get(o.id).n), [5, 6, 7]);
  assert.equal(m.doc.nextStep, 8);
  assert.equal(m.add(makeStep({ x: 1, y: 1 }, style)).n, 8);
  m.undo();
  m.undo();
  assert.deepEqual([a, c, d].map((o) => m.get(o.id).n), [1, 2, 3], 'undo brings the old numbers back');
  assert.equal(m.doc.stepStart, 1);
  m.undo();
  m.undo();
  assert.deepEqual([a, b, c].map((o) => m.get(o.id).n), [1, 2, 3], 'undoing the delete renumbers back');
  const fromZero = new EditorModel(newDocument({ width: 10, height: 10 }, { stepStart: 0 }));
  assert.equal(fromZero.add(makeStep({ x: 1, y: 1 }, style)).n, 0);
});

test('view maths: fit, view <-> image, zoom at a point, pan, crop', () => {
  const doc = newDocument({ width: 800, height: 600 });
  const t = fitTransform(doc, 416, 332, { margin: 8 });
  assert.equal(t.scale, 0.5);
  assert.deepEqual(imageToView(t, { x: 0, y: 0 }), { x: 8, y: 16 });
  assert.deepEqual(imageToView(t, { x: 800, y: 600 }), { x: 408, y: 316 });
  const p = { x: 123.5, y: 456.25 };
  const back = viewToImage(t, imageToView(t, p));
  assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9);
  assert.equal(fitTransform(newDocument({ width: 100, height: 50 }), 1000, 1000).scale, 1, 'small images are not enlarged');

  const at = { x: 100, y: 70 };
  const under = viewToImage(t, at);
  const z = zoomAt(t, 2, at);
  assert.equal(z.scale, 1);
  const still = viewToImage(z, at);
  assert.ok(Math.abs(still.x - under.x) < 1e-9 && Math.abs(still.y - under.y) < 1e-9, 'the point under the pointer stays put');
  assert.equal(zoomAt(t, 1e6, at).scale, 16, 'zoom is bounded');
  assert.deepEqual(imageToView(panBy(t, 10, -5), { x: 0, y: 0 }), { x: 18, y: 11 });

  doc.crop = { x: 100, y: 50, w: 200, h: 100 };
  assert.deepEqual(visibleRect(doc), doc.crop);
  const tc = fitTransform(doc, 432, 232, { margin: 16, upscale: true });
  assert.equal(tc.scale, 2);
  assert.deepEqual(imageToView(tc, { x: 100, y: 50 }), { x: 16, y: 16 }, 'the crop corner sits at the view origin');
  assert.deepEqual(viewToImage(tc, { x: 216, y: 116 }), { x: 200, y: 100 });
  assert.deepEqual(clampToImage(doc, { x: -10, y: 590, w: 50, h: 50 }), { x: 0, y: 590, w: 40, h: 10 });
  assert.equal(clampToImage(doc, { x: 900, y: 0, w: 10, h: 10 }), null);
});

test('crop is a command: clipped to the image, undone like any other', () => {
  const m = fresh(400, 300);
  m.setCrop({ x: -20, y: 10, w: 500.4, h: 100 });
  assert.deepEqual(m.doc.crop, { x: 0, y: 10, w: 400, h: 100 });
  m.setCrop(null);
  assert.equal(m.doc.crop, null);
  m.undo();
  assert.deepEqual(m.doc.crop, { x: 0, y: 10, w: 400, h: 100 });
  m.undo();
  assert.equal(m.doc.crop, null);
});

test('the document survives serialisation, and untrusted input is checked', () => {
  const m = new EditorModel(newDocument({ blob: 'a'.repeat(64), width: 640, height: 480, name: 'shot.png' }));
  m.add(makeShape('rect', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeShape('arrow', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeShape('line', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeText({ x: 10, y: 10 }, 'Click “Renew”', style));
  m.add(makeShape('highlight', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeShape('redact', { x: 1, y: 2 }, { x: 30, y: 40 }, { redactMode: 'pixelate' }));
  m.add(makeStep({ x: 100, y: 100 }, style));
  m.setStepStart(3);
  m.setCrop({ x: 10, y: 10, w: 300, h: 200 });
  const text = m.serialize();
  const back = parseDocument(text);
  assert.deepEqual(back, { ...m.doc, image: { ...m.doc.image, url: null } });
  assert.equal(serializeDocument(back), text, 'a round trip gives the same text');
  const again = new EditorModel(back);
  assert.equal(again.add(makeStep({ x: 1, y: 1 }, style)).n, 4, 'numbering goes on after reopening');
  assert.notEqual(again.doc.objects.at(-1).id, again.doc.objects[0].id);

  assert.throws(() => parseDocument('{"version": 2}'));
  assert.throws(() => parseDocument('{"version":1,"image":{"width":10,"height":10},"objects":[{"type":"script"}]}'));
  assert.throws(() => parseDocument('{"version":1,"image":{"width":10,"height":10},"objects":[{"type":"rect","x":"NaN"}]}'));
  const cleaned = parseDocument({ version: 1, image: { width: 10, height: 10, blob: '../x' },
    objects: [{ type: 'rect', id: 'o1', x: 1, y: 1, w: 2, h: 2, color: 'red;x', width: 2, extra: 1 },
      { type: 'rect', id: 'o1', x: 1, y: 1, w: 2, h: 2, color: '#00ff00', width: 2 }] });
  assert.equal(cleaned.image.blob, null);
  assert.equal(cleaned.objects[0].color, '#e0201b', 'a colour must be #rrggbb');
  assert.equal('extra' in cleaned.objects[0], false);
  assert.notEqual(cleaned.objects[0].id, cleaned.objects[1].id, 'ids are made unique');
});

test('the default description names the marks and lists the steps to complete', () => {
  const m = fresh(640, 400);
  assert.equal(defaultAlt(m.doc), 'Snapshot, 640×400.');
  m.add(makeShape('rect', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeShape('arrow', { x: 1, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeShape('arrow', { x: 5, y: 2 }, { x: 30, y: 40 }, style));
  m.add(makeText({ x: 1, y: 1 }, 'Renew\nhere', style));
  m.add(makeStep({ x: 1, y: 1 }, style));
  m.add(makeStep({ x: 9, y: 1 }, style));
  m.setCrop({ x: 0, y: 0, w: 320, h: 200 });
  assert.equal(defaultAlt(m.doc, { source: 'Screenshot from the guest' }),
    'Screenshot from the guest, 320×200, marked with a rectangle, 2 arrows and the text “Renew here”. Steps: 1: …, 2: …');
});

test('export helpers: file name, redaction pixels, block averages', () => {
  assert.equal(exportFileName(new Date(2026, 10, 25, 21, 5)), 'snapshot-2026-11-25-2105.png');
  assert.deepEqual(redactionPixels({ x: 10.4, y: 5.6, w: 20.2, h: 3.1 }), { x: 10, y: 5, w: 21, h: 4 });
  // A 4x2 image: left half red, right half blue, one block of 2.
  const data = new Uint8ClampedArray([255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255,
    255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255]);
  const blocks = blockAverages(data, 4, 2, { x: 0, y: 0, w: 4, h: 2 }, 2);
  assert.deepEqual(blocks.map((b) => b.rgba), [[255, 0, 0, 255], [0, 0, 255, 255]]);
  const one = blockAverages(data, 4, 2, { x: 1, y: 0, w: 2, h: 2 }, 4);
  assert.deepEqual(one, [{ x: 1, y: 0, w: 2, h: 2, rgba: [128, 0, 128, 255] }]);
});
