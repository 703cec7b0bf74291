// editor_model.js: the snapshot editor's document and its undo history.
// Pure: no DOM, no canvas; runs under `node --test`.
//
// How it works. The document is plain data:
//
//   { version: 1,
//     image: { blob, url, width, height, name },   // what is being annotated
//     objects: [ {id, type, ...} ],                 // drawn in this order
//     crop: null | {x, y, w, h},                    // in image pixels
//     stepStart: n, nextStep: n }                   // numbered markers
//
// Every coordinate is in the image's own pixels, whatever the zoom, so the
// canvas can redraw the document at any scale and export draws it once at
// full resolution. The view maps image points to screen points with a
// transform { scale, x, y, cx, cy } (see imageToView below), where (cx, cy)
// is the crop's corner: a cropped document shows only the crop.
//
// Changes go through EditorModel.exec() as commands. A command is a label
// and a list of changes — insert an object, delete one, patch some fields of
// one, or set document fields — and every change has an exact inverse, so
// undo and redo replay plain data and the history has no limit. A new
// command after an undo drops the redo branch, as in every editor.

import { t } from '../shared/i18n.js';

export const TYPES = ['rect', 'line', 'arrow', 'text', 'highlight', 'redact', 'step'];
export const COLORS = [
  { name: t('staff.editor.colour.red'), value: '#e0201b' },
  { name: t('staff.editor.colour.orange'), value: '#f07800' },
  { name: t('staff.editor.colour.yellow'), value: '#ffd400' },
  { name: t('staff.editor.colour.green'), value: '#12a150' },
  { name: t('staff.editor.colour.blue'), value: '#1660d9' },
  { name: t('staff.editor.colour.purple'), value: '#8a2bd8' },
  { name: t('staff.editor.colour.black'), value: '#111111' },
  { name: t('staff.editor.colour.white'), value: '#ffffff' },
];
export const WIDTHS = [
  { name: t('staff.editor.width.thin'), value: 2 },
  { name: t('staff.editor.width.medium'), value: 4 },
  { name: t('staff.editor.width.thick'), value: 6 },
  { name: t('staff.editor.width.extra_thick'), value: 10 },
];
/** Highlights are this opaque (and multiply, so dark text stays dark). */
export const HIGHLIGHT_ALPHA = 0.4;
/** Smallest drawn shape, in image pixels: a click alone draws nothing. */
export const MIN_DRAG = 3;
const MAX_TEXT = 2000;
const MAX_OBJECTS = 2000;

/** Font size (image px) of text drawn with stroke width `w`. */
export const textSizeFor = (w) => 12 + w * 3;
/** Radius (image px) of a step marker drawn with stroke width `w`. */
export const stepRadiusFor = (w) => Math.round(8 + w * 2.5);

const round = (v) => Math.round(v * 100) / 100;
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** A new document for an image of `width` x `height`. */
export function newDocument({ blob = null, url = null, width, height, name = null }, { stepStart = 1 } = {}) {
  return { version: 1, image: { blob, url, width, height, name }, objects: [], crop: null,
    stepStart, nextStep: stepStart };
}

/** The rectangle with corners `p` and `q`, normalised (w, h >= 0). */
export function normRect(p, q) {
  return { x: round(Math.min(p.x, q.x)), y: round(Math.min(p.y, q.y)),
    w: round(Math.abs(q.x - p.x)), h: round(Math.abs(q.y - p.y)) };
}

/* ---------- objects ---------- */

/**
 * The object a tool makes from a press at `p` and a release at `q` (image
 * pixels), with `style` { color, width, redactMode }; null when the drag is
 * too small to mean anything. Text and step markers are made elsewhere.
 */
export function makeShape(type, p, q, style = {}) {
  const color = style.color || COLORS[0].value;
  const width = style.width || WIDTHS[1].value;
  if (type === 'line' || type === 'arrow') {
    if (Math.hypot(q.x - p.x, q.y - p.y) < MIN_DRAG) return null;
    return { type, x1: round(p.x), y1: round(p.y), x2: round(q.x), y2: round(q.y), color, width };
  }
  const r = normRect(p, q);
  if (r.w < MIN_DRAG || r.h < MIN_DRAG) return null;
  if (type === 'rect') return { type, ...r, color, width };
  if (type === 'highlight') return { type, ...r, color: style.highlightColor || color };
  if (type === 'redact') return { type, ...r, mode: style.redactMode === 'pixelate' ? 'pixelate' : 'solid',
    block: style.block || 12 };
  if (type === 'crop') return { type, ...r };
  throw new Error(`makeShape: no such shape ${type}`);
}

/**
 * A text object at `p` (its top-left corner). `measure(text, size)` returns
 * { w, h } in image pixels (the view measures with the canvas; the default
 * estimates, which is enough for hit testing).
 */
export function makeText(p, text, style = {}, measure = estimateText) {
  const size = style.size || textSizeFor(style.width || WIDTHS[1].value);
  const body = String(text).slice(0, MAX_TEXT);
  return { type: 'text', x: round(p.x), y: round(p.y), text: body, size,
    color: style.color || COLORS[0].value, ...measure(body, size) };
}

/** A rough text box: 0.6 em per character, 1.25 em per line. */
export function estimateText(text, size) {
  const lines = String(text).split('\n');
  const longest = Math.max(1, ...lines.map((l) => l.length));
  return { w: round(longest * size * 0.6), h: round(lines.length * size * 1.25) };
}

/** A step marker centred on `p` (its number is given by EditorModel). */
export function makeStep(p, style = {}) {
  return { type: 'step', x: round(p.x), y: round(p.y), r: style.r || stepRadiusFor(style.width || WIDTHS[1].value),
    color: style.color || COLORS[0].value, n: 0 };
}

/** The object's bounding box { x, y, w, h } in image pixels. */
export function bounds(obj) {
  switch (obj.type) {
    case 'line':
    case 'arrow':
      return normRect({ x: obj.x1, y: obj.y1 }, { x: obj.x2, y: obj.y2 });
    case 'step':
      return { x: obj.x - obj.r, y: obj.y - obj.r, w: obj.r * 2, h: obj.r * 2 };
    default:
      return { x: obj.x, y: obj.y, w: obj.w, h: obj.h };
  }
}

function distToSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Whether image point `p` touches `obj`, with `tol` image pixels of slack. */
export function hits(obj, p, tol = 4) {
  if (obj.type === 'line' || obj.type === 'arrow')
    return distToSegment(p, { x: obj.x1, y: obj.y1 }, { x: obj.x2, y: obj.y2 }) <= tol + obj.width / 2;
  if (obj.type === 'step') return Math.hypot(p.x - obj.x, p.y - obj.y) <= obj.r + tol;
  const b = bounds(obj);
  const inside = p.x >= b.x - tol && p.x <= b.x + b.w + tol && p.y >= b.y - tol && p.y <= b.y + b.h + tol;
  if (!inside) return false;
  if (obj.type !== 'rect') return true;
  // A rectangle is its outline: clicks inside it reach what is under it.
  const slack = tol + obj.width / 2;
  return p.x <= b.x + slack || p.x >= b.x + b.w - slack || p.y <= b.y + slack || p.y >= b.y + b.h - slack;
}

/** The topmost object under `p`, or null. */
export function hitTest(doc, p, tol = 4) {
  for (let i = doc.objects.length - 1; i >= 0; i--) if (hits(doc.objects[i], p, tol)) return doc.objects[i];
  return null;
}

/**
 * The resize handles of `obj`: [{ name, x, y }] in image pixels. Boxes have
 * four corners, lines and arrows their two ends; text and markers none
 * (they grow with Shift+arrows or the width choice).
 */
export function handles(obj) {
  if (obj.type === 'line' || obj.type === 'arrow')
    return [{ name: 'p1', x: obj.x1, y: obj.y1 }, { name: 'p2', x: obj.x2, y: obj.y2 }];
  if (obj.type === 'text' || obj.type === 'step') return [];
  const { x, y, w, h } = obj;
  return [{ name: 'nw', x, y }, { name: 'ne', x: x + w, y }, { name: 'se', x: x + w, y: y + h },
    { name: 'sw', x, y: y + h }];
}

/** The fields that move `obj` by (dx, dy). */
export function movePatch(obj, dx, dy) {
  if (obj.type === 'line' || obj.type === 'arrow')
    return { x1: round(obj.x1 + dx), y1: round(obj.y1 + dy), x2: round(obj.x2 + dx), y2: round(obj.y2 + dy) };
  return { x: round(obj.x + dx), y: round(obj.y + dy) };
}

/** The fields after dragging handle `name` of `obj` to image point `p`. */
export function resizePatch(obj, name, p) {
  if (name === 'p1') return { x1: round(p.x), y1: round(p.y) };
  if (name === 'p2') return { x2: round(p.x), y2: round(p.y) };
  const opposite = { nw: 'se', ne: 'sw', se: 'nw', sw: 'ne' }[name];
  const fixed = handles(obj).find((hd) => hd.name === opposite);
  const r = normRect(fixed, p);
  return { x: r.x, y: r.y, w: Math.max(1, r.w), h: Math.max(1, r.h) };
}

/**
 * The fields after growing `obj` by (dw, dh) from the keyboard: boxes grow
 * right and down, lines move their second end, text and markers change size.
 */
export function growPatch(obj, dw, dh) {
  if (obj.type === 'line' || obj.type === 'arrow') return { x2: round(obj.x2 + dw), y2: round(obj.y2 + dh) };
  const d = dw || -dh;
  if (obj.type === 'step') return { r: Math.max(6, round(obj.r + d / 2)) };
  if (obj.type === 'text') {
    const size = Math.max(8, Math.min(400, round(obj.size + d / 2)));
    return { size, w: round((obj.w * size) / obj.size), h: round((obj.h * size) / obj.size) };
  }
  return { w: Math.max(1, round(obj.w + dw)), h: Math.max(1, round(obj.h + dh)) };
}

/** Fields of `obj` for a new colour / stroke width choice (only those it has). */
export function stylePatch(obj, { color, width }) {
  const patch = {};
  if (color && 'color' in obj) patch.color = color;
  if (width) {
    if ('width' in obj) patch.width = width;
    if (obj.type === 'step') patch.r = stepRadiusFor(width);
    if (obj.type === 'text') Object.assign(patch, growPatch(obj, (textSizeFor(width) - obj.size) * 2, 0));
  }
  return patch;
}

/* ---------- view transform ---------- */

/** The part of the image the document shows: its crop, or all of it. */
export function visibleRect(doc) {
  return doc.crop ? { ...doc.crop } : { x: 0, y: 0, w: doc.image.width, h: doc.image.height };
}

/**
 * The transform that fits the document's visible part into a view of
 * `vw` x `vh` screen pixels with `margin` around it, centred, never
 * enlarging past 1:1 unless `upscale`.
 */
export function fitTransform(doc, vw, vh, { margin = 16, upscale = false } = {}) {
  const r = visibleRect(doc);
  let scale = Math.min((vw - 2 * margin) / r.w, (vh - 2 * margin) / r.h);
  if (!upscale) scale = Math.min(1, scale);
  scale = Math.max(scale, 0.01);
  return { scale, x: (vw - r.w * scale) / 2, y: (vh - r.h * scale) / 2, cx: r.x, cy: r.y };
}

/** Image point -> view (screen) point. */
export function imageToView(t, p) {
  return { x: (p.x - t.cx) * t.scale + t.x, y: (p.y - t.cy) * t.scale + t.y };
}

/** View (screen) point -> image point. */
export function viewToImage(t, p) {
  return { x: (p.x - t.x) / t.scale + t.cx, y: (p.y - t.y) / t.scale + t.cy };
}

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 16;

/**
 * Zoom by `factor` keeping the image point under view point `at` where it
 * is (the mouse wheel zooms at the pointer, the buttons at the centre).
 */
export function zoomAt(t, factor, at) {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, t.scale * factor));
  const p = viewToImage(t, at);
  return { ...t, scale, x: at.x - (p.x - t.cx) * scale, y: at.y - (p.y - t.cy) * scale };
}

/** The transform moved by (dx, dy) screen pixels. */
export function panBy(t, dx, dy) {
  return { ...t, x: t.x + dx, y: t.y + dy };
}

/** `r` clipped to the image; null when nothing is left. */
export function clampToImage(doc, r) {
  const x = Math.max(0, Math.round(r.x));
  const y = Math.max(0, Math.round(r.y));
  const x2 = Math.min(doc.image.width, Math.round(r.x + r.w));
  const y2 = Math.min(doc.image.height, Math.round(r.y + r.h));
  if (x2 - x < 1 || y2 - y < 1) return null;
  return { x, y, w: x2 - x, h: y2 - y };
}

/* ---------- changes and commands ---------- */

function indexOfId(doc, id) {
  return doc.objects.findIndex((o) => o.id === id);
}

function applyChange(doc, c) {
  switch (c.op) {
    case 'insert':
      doc.objects.splice(c.index, 0, clone(c.object));
      break;
    case 'delete':
      doc.objects.splice(indexOfId(doc, c.object.id), 1);
      break;
    case 'patch':
      Object.assign(doc.objects[indexOfId(doc, c.id)], clone(c.after));
      break;
    case 'doc':
      Object.assign(doc, clone(c.after));
      break;
    default:
      throw new Error(`unknown change ${c.op}`);
  }
}

function inverse(c) {
  switch (c.op) {
    case 'insert': return { op: 'delete', index: c.index, object: c.object };
    case 'delete': return { op: 'insert', index: c.index, object: c.object };
    default: return { ...c, before: c.after, after: c.before };
  }
}

/** The `before` half of a patch: the current values of the fields in `after`. */
function pick(obj, after) {
  const out = {};
  for (const k of Object.keys(after)) out[k] = clone(obj[k]);
  return out;
}

export class EditorModel {
  /** Edit `doc` (a new or parsed document; the model now owns it). */
  constructor(doc) {
    this.doc = doc;
    this.undoStack = [];
    this.redoStack = [];
    this.version = 0;
    this.selected = null; // an object id, or null
    this.lastIdNumber = doc.objects.reduce((m, o) => Math.max(m, Number(String(o.id).slice(1)) || 0), 0);
  }

  get canUndo() { return this.undoStack.length > 0; }
  get canRedo() { return this.redoStack.length > 0; }

  /** The object with `id`, or null. */
  get(id) {
    return this.doc.objects.find((o) => o.id === id) || null;
  }

  selectedObject() {
    return this.selected ? this.get(this.selected) : null;
  }

  select(id) {
    const next = id && this.get(id) ? id : null;
    if (next === this.selected) return;
    this.selected = next;
    this.version++;
  }

  /**
   * Run a command { label, changes }. `merge` names a run of small edits
   * (arrow-key nudges of one object): a command with the same merge key as
   * the last one joins it, so one Undo takes back the whole run.
   */
  exec(cmd, { merge = null } = {}) {
    if (!cmd.changes.length) return;
    for (const c of cmd.changes) applyChange(this.doc, c);
    const last = this.undoStack[this.undoStack.length - 1];
    if (merge && last && last.merge === merge && !this.redoStack.length) {
      last.changes = mergeChanges(last.changes, cmd.changes);
    } else {
      this.undoStack.push({ label: cmd.label, changes: clone(cmd.changes), merge });
    }
    this.redoStack = [];
    if (this.selected && !this.get(this.selected)) this.selected = null;
    this.version++;
  }

  /** Take back the last command; returns its label or null. */
  undo() {
    const cmd = this.undoStack.pop();
    if (!cmd) return null;
    for (const c of [...cmd.changes].reverse()) applyChange(this.doc, inverse(c));
    this.redoStack.push(cmd);
    if (this.selected && !this.get(this.selected)) this.selected = null;
    this.version++;
    return cmd.label;
  }

  /** Do again the last command undone; returns its label or null. */
  redo() {
    const cmd = this.redoStack.pop();
    if (!cmd) return null;
    for (const c of cmd.changes) applyChange(this.doc, c);
    this.undoStack.push(cmd);
    if (this.selected && !this.get(this.selected)) this.selected = null;
    this.version++;
    return cmd.label;
  }

  newId() {
    this.lastIdNumber += 1;
    return `o${this.lastIdNumber}`;
  }

  /** Add `obj` on top (a step marker takes the next number); returns it. */
  add(obj) {
    if (this.doc.objects.length >= MAX_OBJECTS) return null;
    const { id: unused, ...fields } = obj;
    const object = { id: this.newId(), ...fields };
    const changes = [{ op: 'insert', index: this.doc.objects.length, object }];
    if (object.type === 'step') {
      object.n = this.doc.nextStep;
      changes.push({ op: 'doc', before: { nextStep: this.doc.nextStep }, after: { nextStep: this.doc.nextStep + 1 } });
    }
    this.exec({ label: t('staff.editor.cmd.add', { type: typeName(object.type) }), changes });
    this.select(object.id);
    return this.get(object.id);
  }

  /**
   * Delete object `id`. Deleting a step marker renumbers the later ones so
   * the steps stay 1, 2, 3… without a gap.
   */
  remove(id) {
    const index = indexOfId(this.doc, id);
    if (index < 0) return;
    const obj = this.doc.objects[index];
    const changes = [{ op: 'delete', index, object: clone(obj) }];
    if (obj.type === 'step') {
      for (const o of this.doc.objects)
        if (o.type === 'step' && o.n > obj.n) changes.push({ op: 'patch', id: o.id, before: { n: o.n }, after: { n: o.n - 1 } });
      changes.push({ op: 'doc', before: { nextStep: this.doc.nextStep }, after: { nextStep: this.doc.nextStep - 1 } });
    }
    this.exec({ label: t('staff.editor.cmd.remove', { type: typeName(obj.type) }), changes });
  }

  /** Change fields of object `id` (move, resize, recolour, edit text). */
  update(id, after, { label = t('staff.editor.cmd.change'), merge = null } = {}) {
    const obj = this.get(id);
    if (!obj) return;
    const before = pick(obj, after);
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    this.exec({ label, changes: [{ op: 'patch', id, before, after: clone(after) }] }, { merge });
  }

  /** Crop to `rect` (image pixels, clipped to the image), or remove the crop with null. */
  setCrop(rect) {
    const crop = rect ? clampToImage(this.doc, rect) : null;
    if (rect && !crop) return;
    if (JSON.stringify(crop) === JSON.stringify(this.doc.crop)) return;
    this.exec({ label: crop ? t('staff.editor.tool.crop') : t('staff.share.remove_crop'),
      changes: [{ op: 'doc', before: { crop: clone(this.doc.crop) }, after: { crop } }] });
  }

  /** Number the step markers from `start` on (in their current order). */
  setStepStart(start) {
    const n0 = Math.max(0, Math.min(9999, Math.floor(Number(start)) || 0));
    const steps = this.doc.objects.filter((o) => o.type === 'step').sort((a, b) => a.n - b.n);
    const changes = steps.map((o, i) => ({ op: 'patch', id: o.id, before: { n: o.n }, after: { n: n0 + i } }))
      .filter((c) => c.before.n !== c.after.n);
    const after = { stepStart: n0, nextStep: n0 + steps.length };
    if (after.stepStart !== this.doc.stepStart || after.nextStep !== this.doc.nextStep)
      changes.push({ op: 'doc', before: { stepStart: this.doc.stepStart, nextStep: this.doc.nextStep }, after });
    this.exec({ label: t('staff.editor.cmd.renumber'), changes });
  }

  /** The document as JSON text (what goes up as the annotation blob). */
  serialize() {
    return serializeDocument(this.doc);
  }
}

/** Fold `more` patches into `changes` (same object: keep the first before, the last after). */
function mergeChanges(changes, more) {
  const out = clone(changes);
  for (const c of more) {
    const prev = out.find((p) => p.op === 'patch' && c.op === 'patch' && p.id === c.id);
    if (prev) {
      for (const k of Object.keys(c.after)) if (!(k in prev.before)) prev.before[k] = clone(c.before[k]);
      Object.assign(prev.after, clone(c.after));
    } else {
      out.push(clone(c));
    }
  }
  return out;
}

// Each type's name is staff.editor.type.TYPE, its count staff.editor.count.TYPE.

/** "rectangle", "step marker": an object type in words. */
export function typeName(type) {
  return TYPES.includes(type) ? t(`staff.editor.type.${type}`) : type;
}

/* ---------- serialisation ---------- */

/** The document as JSON text. */
export function serializeDocument(doc) {
  const { blob, width, height, name } = doc.image;
  return JSON.stringify({ version: 1, image: { blob, width, height, name }, objects: doc.objects, crop: doc.crop,
    stepStart: doc.stepStart, nextStep: doc.nextStep });
}

const num = (v, lo = -1e6, hi = 1e6) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error('a number is missing or not finite');
  return Math.max(lo, Math.min(hi, n));
};
const COLOR_RE = /^#[0-9a-f]{6}$/i;
const colorOf = (v) => (COLOR_RE.test(String(v)) ? String(v) : COLORS[0].value);

/** One object from untrusted data, with only the fields its type has. */
function parseObject(o) {
  if (!o || !TYPES.includes(o.type)) throw new Error('unknown object type');
  const id = /^o\d{1,9}$/.test(String(o.id)) ? String(o.id) : null;
  const base = { id, type: o.type };
  switch (o.type) {
    case 'line':
    case 'arrow':
      return { ...base, x1: num(o.x1), y1: num(o.y1), x2: num(o.x2), y2: num(o.y2), color: colorOf(o.color),
        width: num(o.width, 1, 100) };
    case 'text':
      return { ...base, x: num(o.x), y: num(o.y), text: String(o.text ?? '').slice(0, MAX_TEXT),
        size: num(o.size, 4, 400), color: colorOf(o.color), w: num(o.w, 0), h: num(o.h, 0) };
    case 'step':
      return { ...base, x: num(o.x), y: num(o.y), r: num(o.r, 2, 400), color: colorOf(o.color),
        n: Math.floor(num(o.n, 0, 1e6)) };
    case 'redact':
      return { ...base, x: num(o.x), y: num(o.y), w: num(o.w, 0), h: num(o.h, 0),
        mode: o.mode === 'pixelate' ? 'pixelate' : 'solid', block: num(o.block ?? 12, 2, 200) };
    case 'highlight':
      return { ...base, x: num(o.x), y: num(o.y), w: num(o.w, 0), h: num(o.h, 0), color: colorOf(o.color) };
    default:
      return { ...base, x: num(o.x), y: num(o.y), w: num(o.w, 0), h: num(o.h, 0), color: colorOf(o.color),
        width: num(o.width, 1, 100) };
  }
}

/**
 * A document from JSON text (or an already parsed object), checked field by
 * field: unknown fields are dropped, numbers must be finite, ids are made
 * unique. Throws an Error saying what is wrong.
 */
export function parseDocument(input) {
  const raw = typeof input === 'string' ? JSON.parse(input) : input;
  if (!raw || typeof raw !== 'object' || raw.version !== 1) throw new Error('not an editor document');
  const im = raw.image || {};
  const image = { blob: typeof im.blob === 'string' && /^[0-9a-f]{64}$/.test(im.blob) ? im.blob : null,
    url: null, width: Math.floor(num(im.width, 1, 1e5)), height: Math.floor(num(im.height, 1, 1e5)),
    name: typeof im.name === 'string' ? im.name.slice(0, 150) : null };
  const objects = (Array.isArray(raw.objects) ? raw.objects : []).slice(0, MAX_OBJECTS).map(parseObject);
  const ids = new Set();
  let next = 0;
  for (const o of objects) next = Math.max(next, Number(String(o.id).slice(1)) || 0);
  for (const o of objects) {
    if (!o.id || ids.has(o.id)) o.id = `o${++next}`;
    ids.add(o.id);
  }
  const doc = { version: 1, image, objects, crop: null,
    stepStart: Math.floor(num(raw.stepStart ?? 1, 0, 9999)), nextStep: 0 };
  if (raw.crop) doc.crop = clampToImage(doc, { x: num(raw.crop.x), y: num(raw.crop.y), w: num(raw.crop.w), h: num(raw.crop.h) });
  const steps = objects.filter((o) => o.type === 'step');
  doc.nextStep = Math.floor(num(raw.nextStep ?? doc.stepStart + steps.length, 0, 1e6));
  return doc;
}

/* ---------- words ---------- */

/** "a rectangle", "2 arrows": a count of objects in words. */
function counted(n, type) {
  return TYPES.includes(type) ? t(`staff.editor.count.${type}`, { count: n }) : `${n} ${type}`;
}

/**
 * A description of the image for people who cannot see it (X-Alt): what
 * the picture is, what was drawn on it, the words written on it, and a
 * legend of the step markers ("1: …") for the operator to complete.
 */
export function defaultAlt(doc, { source = t('staff.share.snapshot') } = {}) {
  const r = visibleRect(doc);
  const parts = [`${source}, ${r.w}×${r.h}`];
  const counts = new Map();
  for (const o of doc.objects) if (o.type !== 'text' && o.type !== 'step') counts.set(o.type, (counts.get(o.type) || 0) + 1);
  const marks = [...counts].map(([type, n]) => counted(n, type));
  const texts = doc.objects.filter((o) => o.type === 'text' && o.text.trim()).map((o) => `“${o.text.trim().replace(/\s+/g, ' ')}”`);
  if (texts.length) marks.push(t('staff.editor.alt.text', { texts: texts.join(', ') }));
  let out = parts[0];
  if (marks.length) out += t('staff.editor.alt.marked', { marks: listWords(marks) });
  out += '.';
  const steps = doc.objects.filter((o) => o.type === 'step').sort((a, b) => a.n - b.n);
  if (steps.length) out += ` ${t('staff.editor.alt.steps', { steps: steps.map((s) => `${s.n}: …`).join(', ') })}`;
  return out;
}

function listWords(items) {
  if (items.length < 2) return items.join('');
  return t('staff.editor.and', { first: items.slice(0, -1).join(', '), last: items[items.length - 1] });
}

/** "snapshot-2026-11-25-2105.png": the file name for an export made at `date`. */
export function exportFileName(date = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `snapshot-${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}.png`;
}

/**
 * The rectangle (integer pixels) a redaction covers in an export: rounded
 * outwards, so no half-covered pixel at its edge keeps a trace of what was
 * under it.
 */
export function redactionPixels(obj) {
  const x = Math.floor(obj.x);
  const y = Math.floor(obj.y);
  return { x, y, w: Math.ceil(obj.x + obj.w) - x, h: Math.ceil(obj.y + obj.h) - y };
}

/**
 * Pixelate: the average colour of each `block` x `block` cell of `rect`
 * (integer pixels) in RGBA `data` of an image `width` pixels wide, clipped
 * to `height`. Returns [{ x, y, w, h, rgba: [r, g, b, a] }].
 */
export function blockAverages(data, width, height, rect, block) {
  const out = [];
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(width, rect.x + rect.w);
  const y1 = Math.min(height, rect.y + rect.h);
  for (let by = y0; by < y1; by += block) {
    for (let bx = x0; bx < x1; bx += block) {
      const w = Math.min(block, x1 - bx);
      const h = Math.min(block, y1 - by);
      const sum = [0, 0, 0, 0];
      for (let y = by; y < by + h; y++) {
        for (let x = bx; x < bx + w; x++) {
          const i = (y * width + x) * 4;
          for (let k = 0; k < 4; k++) sum[k] += data[i + k];
        }
      }
      const n = w * h;
      out.push({ x: bx, y: by, w, h, rgba: sum.map((s) => Math.round(s / n)) });
    }
  }
  return out;
}
