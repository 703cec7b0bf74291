// editor_render.js: draws an editor document (editor_model.js) on a 2D
// canvas context. The same function draws the on-screen view at any zoom
// and the exported image at full resolution, so what the operator sees is
// what the guest gets.
//
// Drawing is a pure function of (document, source image, transform): the
// view calls it again from scratch after every change. Only export() makes
// pixels that outlive a frame — and there a redaction really replaces the
// pixels under it: black, or the average colour of each block of the
// original (computed from the source's pixels, never from what is drawn).

import { HIGHLIGHT_ALPHA, blockAverages, bounds, handles, imageToView, redactionPixels, visibleRect } from './editor_model.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

/** The canvas font for text of `size` pixels. */
export function textFont(size) {
  return `600 ${size}px ${FONT}`;
}

/** Measure `text` at `size` with a 2D context: { w, h } as makeText wants it. */
export function measureWith(ctx) {
  return (text, size) => {
    ctx.save();
    ctx.font = textFont(size);
    const lines = String(text).split('\n');
    const w = Math.max(size * 0.5, ...lines.map((l) => ctx.measureText(l).width));
    ctx.restore();
    return { w: Math.round(w * 100) / 100, h: Math.round(lines.length * size * 1.25 * 100) / 100 };
  };
}

/**
 * Pixels of the source image, made once per image (pixelation needs them).
 * `source` is an ImageBitmap, image or canvas of the full image.
 */
export class SourcePixels {
  constructor(source, width, height) {
    this.source = source;
    this.width = width;
    this.height = height;
    this.data = null;
    this.cache = new Map(); // "x,y,w,h,block" -> block averages
  }

  averages(rect, block) {
    const key = `${rect.x},${rect.y},${rect.w},${rect.h},${block}`;
    if (!this.cache.has(key)) {
      if (!this.data) {
        const c = new OffscreenCanvas(this.width, this.height);
        const cx = c.getContext('2d', { willReadFrequently: true });
        cx.drawImage(this.source, 0, 0);
        this.data = cx.getImageData(0, 0, this.width, this.height).data;
      }
      if (this.cache.size > 200) this.cache.clear();
      this.cache.set(key, blockAverages(this.data, this.width, this.height, rect, block));
    }
    return this.cache.get(key);
  }
}

/**
 * Draw `doc` into `ctx` through transform `t` (editor_model.js): the image,
 * then every object in order. `pixels` is the SourcePixels of the image;
 * `draft` an object being drawn (not yet in the document).
 */
export function drawDocument(ctx, doc, pixels, t, { draft = null } = {}) {
  const r = visibleRect(doc);
  const tl = imageToView(t, { x: r.x, y: r.y });
  ctx.save();
  ctx.beginPath();
  ctx.rect(tl.x, tl.y, r.w * t.scale, r.h * t.scale);
  ctx.clip();
  ctx.imageSmoothingQuality = 'high';
  const o = imageToView(t, { x: 0, y: 0 });
  ctx.drawImage(pixels.source, o.x, o.y, doc.image.width * t.scale, doc.image.height * t.scale);
  for (const obj of doc.objects) drawObject(ctx, obj, t, pixels);
  if (draft && draft.type !== 'crop') drawObject(ctx, draft, t, pixels);
  ctx.restore();
}

/** Draw one object. */
export function drawObject(ctx, obj, t, pixels) {
  const s = t.scale;
  const P = (x, y) => imageToView(t, { x, y });
  ctx.save();
  switch (obj.type) {
    case 'rect': {
      const a = P(obj.x, obj.y);
      ctx.strokeStyle = obj.color;
      ctx.lineWidth = obj.width * s;
      ctx.lineJoin = 'miter';
      ctx.strokeRect(a.x, a.y, obj.w * s, obj.h * s);
      break;
    }
    case 'line':
    case 'arrow':
      drawLine(ctx, obj, P, s);
      break;
    case 'highlight': {
      const a = P(obj.x, obj.y);
      ctx.globalAlpha = HIGHLIGHT_ALPHA;
      ctx.globalCompositeOperation = 'multiply';
      ctx.fillStyle = obj.color;
      ctx.fillRect(a.x, a.y, obj.w * s, obj.h * s);
      break;
    }
    case 'redact':
      drawRedaction(ctx, obj, P, s, pixels);
      break;
    case 'text':
      drawText(ctx, obj, P, s);
      break;
    case 'step':
      drawStep(ctx, obj, P, s);
      break;
    default:
      break;
  }
  ctx.restore();
}

function drawLine(ctx, obj, P, s) {
  const a = P(obj.x1, obj.y1);
  const b = P(obj.x2, obj.y2);
  const w = obj.width * s;
  ctx.strokeStyle = obj.color;
  ctx.fillStyle = obj.color;
  ctx.lineWidth = w;
  ctx.lineCap = 'round';
  const ang = Math.atan2(b.y - a.y, b.x - a.x);
  const head = obj.type === 'arrow' ? Math.max(10 * s, w * 4) : 0;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  // The shaft stops where the head begins, so the tip stays sharp.
  const stop = Math.max(0, len - head * 0.8);
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(a.x + Math.cos(ang) * stop, a.y + Math.sin(ang) * stop);
  ctx.stroke();
  if (!head) return;
  const spread = Math.PI / 7;
  ctx.beginPath();
  ctx.moveTo(b.x, b.y);
  ctx.lineTo(b.x - head * Math.cos(ang - spread), b.y - head * Math.sin(ang - spread));
  ctx.lineTo(b.x - head * Math.cos(ang + spread), b.y - head * Math.sin(ang + spread));
  ctx.closePath();
  ctx.fill();
}

function drawRedaction(ctx, obj, P, s, pixels) {
  const px = redactionPixels(obj);
  if (obj.mode === 'pixelate' && pixels) {
    for (const b of pixels.averages(px, Math.max(2, Math.round(obj.block)))) {
      const a = P(b.x, b.y);
      ctx.fillStyle = `rgb(${b.rgba[0]}, ${b.rgba[1]}, ${b.rgba[2]})`;
      // A hair wider on screen so no seam of the original shows between blocks.
      const pad = s === 1 ? 0 : 0.5;
      ctx.fillRect(a.x, a.y, b.w * s + pad, b.h * s + pad);
    }
    return;
  }
  const a = P(px.x, px.y);
  ctx.fillStyle = '#000000';
  ctx.fillRect(a.x, a.y, px.w * s, px.h * s);
}

function drawText(ctx, obj, P, s) {
  const a = P(obj.x, obj.y);
  const size = obj.size * s;
  ctx.font = textFont(size);
  ctx.textBaseline = 'top';
  ctx.lineJoin = 'round';
  const light = isLight(obj.color);
  ctx.strokeStyle = light ? 'rgba(0, 0, 0, 0.85)' : 'rgba(255, 255, 255, 0.95)';
  ctx.lineWidth = Math.max(1, size / 6);
  ctx.fillStyle = obj.color;
  String(obj.text).split('\n').forEach((line, i) => {
    const y = a.y + i * size * 1.25 + size * 0.1;
    ctx.strokeText(line, a.x, y);
    ctx.fillText(line, a.x, y);
  });
}

function drawStep(ctx, obj, P, s) {
  const c = P(obj.x, obj.y);
  const r = obj.r * s;
  ctx.beginPath();
  ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
  ctx.fillStyle = obj.color;
  ctx.fill();
  ctx.lineWidth = Math.max(1, r / 7);
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  const label = String(obj.n);
  ctx.fillStyle = isLight(obj.color) ? '#111111' : '#ffffff';
  ctx.font = textFont(r * (label.length > 2 ? 0.8 : 1.05));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(label, c.x, c.y + r * 0.06);
}

function isLight(hex) {
  const n = parseInt(String(hex).slice(1), 16);
  const r = (n >> 16) & 255;
  const g = (n >> 8) & 255;
  const b = n & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 160;
}

/**
 * Draw the selection frame and handles of `obj`, and a crop being chosen
 * (`cropDraft`), over the view. Screen-only: never exported.
 */
export function drawOverlay(ctx, doc, t, { selected = null, cropDraft = null, handleSize = 9 } = {}) {
  ctx.save();
  if (selected) {
    const b = bounds(selected);
    const a = imageToView(t, { x: b.x, y: b.y });
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#1660d9';
    const pad = 4;
    ctx.strokeRect(a.x - pad, a.y - pad, b.w * t.scale + 2 * pad, b.h * t.scale + 2 * pad);
    ctx.setLineDash([]);
    for (const hd of handles(selected)) {
      const p = imageToView(t, hd);
      ctx.fillStyle = '#ffffff';
      ctx.strokeStyle = '#1660d9';
      ctx.fillRect(p.x - handleSize / 2, p.y - handleSize / 2, handleSize, handleSize);
      ctx.strokeRect(p.x - handleSize / 2, p.y - handleSize / 2, handleSize, handleSize);
    }
  }
  if (cropDraft) {
    const r = visibleRect(doc);
    const o = imageToView(t, { x: r.x, y: r.y });
    const a = imageToView(t, { x: cropDraft.x, y: cropDraft.y });
    const w = cropDraft.w * t.scale;
    const h = cropDraft.h * t.scale;
    ctx.fillStyle = 'rgba(12, 20, 30, 0.5)';
    ctx.beginPath();
    ctx.rect(o.x, o.y, r.w * t.scale, r.h * t.scale);
    ctx.rect(a.x, a.y, w, h);
    ctx.fill('evenodd');
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(a.x, a.y, w, h);
  }
  ctx.restore();
}

/**
 * Flatten `doc` into a new canvas at the image's full resolution with the
 * crop applied. `pixels` is the image's SourcePixels. Returns the canvas.
 */
export function flatten(doc, pixels, makeCanvas = (w, h) => new OffscreenCanvas(w, h)) {
  const r = visibleRect(doc);
  const canvas = makeCanvas(r.w, r.h);
  const ctx = canvas.getContext('2d');
  drawDocument(ctx, doc, pixels, { scale: 1, x: 0, y: 0, cx: r.x, cy: r.y });
  return canvas;
}
