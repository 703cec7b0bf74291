// editor_view.js: the snapshot editor on screen — toolbar, canvas, mouse
// and keyboard. The document and its history live in EditorModel
// (editor_model.js); this file turns gestures into model commands and
// redraws the canvas from the model after every change (editor_render.js).
//
// Gestures: drawing tools work by press, drag and release; Text by a click
// and typing (a text box appears where the text goes; Enter or leaving the
// box keeps it, Escape drops it; a double click or Enter edits it later);
// Step marker by a click. Select moves objects, resizes them by their
// handles and pans the view on empty ground. Without a mouse: every tool
// has a one-key shortcut, Enter places a default-sized object in the middle
// of the view, arrow keys move the selected object and Shift+arrows resize
// it, [ and ] step through the objects, Delete removes one.
//
// The toolbar is one role="toolbar" with a roving tabindex: Tab reaches it
// once, arrow keys move along it. Where the row has room for every name it
// shows names beside the icons; with room for the drawing tools' names only,
// those; else icons only (compact), each still named (aria-label) and with
// its name and key as a tooltip.

import { h } from '../shared/dom.js';
import {
  EditorModel, fitTransform, zoomAt, panBy, viewToImage, imageToView, hitTest, handles,
  movePatch, resizePatch, growPatch, stylePatch, makeShape, makeText, makeStep, normRect, clampToImage,
  visibleRect, typeName, textSizeFor, COLORS, WIDTHS,
} from './editor_model.js';
import { drawDocument, drawOverlay, measureWith, SourcePixels, textFont, flatten } from './editor_render.js';
import { icon } from './icons.js';
import { t } from '../shared/i18n.js';

/** The tools, in toolbar order: label (the accessible name), shortcut key. */
export const TOOLS = [
  { id: 'select', label: t('staff.editor.tool.select'), key: 'V' },
  { id: 'rect', label: t('staff.editor.tool.rect'), key: 'R' },
  { id: 'line', label: t('staff.editor.tool.line'), key: 'L' },
  { id: 'arrow', label: t('staff.editor.tool.arrow'), key: 'A' },
  { id: 'text', label: t('staff.editor.tool.text'), key: 'T' },
  { id: 'highlight', label: t('staff.editor.tool.highlight'), key: 'H' },
  { id: 'redact', label: t('staff.editor.tool.redact'), key: 'X' },
  { id: 'step', label: t('staff.editor.tool.step'), key: 'N' },
  { id: 'crop', label: t('staff.editor.tool.crop'), key: 'C' },
];

/** The toolbar's commands: label, what the title shows, aria-keyshortcuts. */
const COMMANDS = [
  { id: 'zoomIn', label: t('staff.editor.cmd.zoomIn'), shown: '+', aria: '=' },
  { id: 'zoomOut', label: t('staff.editor.cmd.zoomOut'), shown: '−', aria: '-' },
  { id: 'fit', label: t('staff.editor.cmd.fit'), shown: '0', aria: '0' },
  { id: 'undo', label: t('staff.editor.cmd.undo'), shown: 'Ctrl+Z', aria: 'Control+Z' },
  { id: 'redo', label: t('staff.editor.cmd.redo'), shown: t('staff.editor.redo_keys'), aria: 'Control+Shift+Z' },
  { id: 'delete', label: t('staff.editor.cmd.delete'), shown: t('staff.editor.delete_key'), aria: 'Delete' },
];
const ICON_OF = { zoomIn: 'zoomIn', zoomOut: 'zoomOut', fit: 'fit', undo: 'undo', redo: 'redo', delete: 'delete' };
const DRAW_TOOLS = new Set(['rect', 'line', 'arrow', 'highlight', 'redact', 'crop']);
const ZOOM_STEP = 1.25;
const HIT_SLACK = 6; // screen pixels

export class EditorView {
  /**
   * els: { toolbar (role=toolbar, empty), stage (focusable surface), canvas,
   * empty (shown with no image), zoomLabel, status (a polite live region) }.
   * onChange() is called after every change of the document or view.
   */
  constructor(els, { onChange = () => {} } = {}) {
    Object.assign(this, els);
    this.onChange = onChange;
    this.model = null;
    this.pixels = null;
    this.t = null;
    this.fitted = true;
    this.tool = 'select';
    this.style = { color: COLORS[0].value, width: WIDTHS[1].value, redactMode: 'solid' };
    this.drag = null;
    this.textEdit = null; // { box, id|null, at }
    this.exported = null; // { version, blob }
    this.ctx = this.canvas.getContext('2d');
    this.measure = measureWith(this.ctx);
    this.buttons = new Map();
    this.buildToolbar();
    this.bindPointer();
    if (globalThis.ResizeObserver) new ResizeObserver(() => this.resize()).observe(this.stage);
  }

  /* ---------- toolbar ---------- */

  buildToolbar() {
    const make = (id, label, shown, aria, iconName, pressed) => {
      const b = h('button', { type: 'button', class: 'tool', 'aria-label': label, title: `${label} (${shown})`,
        'aria-keyshortcuts': aria, tabindex: '-1', 'data-tool': id,
        'aria-pressed': pressed === undefined ? null : String(pressed) }, icon(iconName),
      h('span', { class: 'tool__label', 'aria-hidden': 'true' }, label));
      this.buttons.set(id, b);
      return b;
    };
    const tools = h('div', { class: 'toolbar__group toolbar__group--tools' }, TOOLS.map((tool) => {
      const b = make(tool.id, tool.label, tool.key, tool.key, tool.id, tool.id === this.tool);
      b.addEventListener('click', () => this.setTool(tool.id));
      return b;
    }));
    const commands = h('div', { class: 'toolbar__group toolbar__group--commands' }, COMMANDS.map((c) => {
      const b = make(c.id, c.label, c.shown, c.aria, ICON_OF[c.id]);
      b.addEventListener('click', () => this.command(c.id));
      return b;
    }));
    this.toolbar.append(tools, h('span', { class: 'toolbar__sep', 'aria-hidden': 'true' }), commands);
    this.buttons.get('select').tabIndex = 0;
    this.fitToolbar();
    if (globalThis.ResizeObserver) new ResizeObserver(() => this.fitToolbar()).observe(this.toolbar);
    document.fonts?.ready.then(() => {
      this.modeWidths = null;
      this.fitToolbar();
    });
    this.toolbar.addEventListener('keydown', (e) => this.toolbarKey(e));
    this.toolbar.addEventListener('focusin', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      for (const other of this.buttons.values()) other.tabIndex = other === b ? 0 : -1;
    });
    this.updateButtons();
  }

  /**
   * The most names that fit the row: all ('labelled'), the drawing tools'
   * ('tools'), or none ('compact'). Each mode's width is measured once.
   */
  fitToolbar() {
    const tb = this.toolbar;
    if (!tb.clientWidth) return;
    if (!this.modeWidths) {
      this.modeWidths = {};
      for (const mode of ['labelled', 'tools']) {
        tb.dataset.mode = mode;
        this.modeWidths[mode] = tb.scrollWidth;
      }
    }
    const w = tb.clientWidth;
    tb.dataset.mode = w >= this.modeWidths.labelled ? 'labelled' : w >= this.modeWidths.tools ? 'tools' : 'compact';
  }

  toolbarKey(e) {
    const list = [...this.buttons.values()];
    const i = list.indexOf(document.activeElement);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: list.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    list[(to + list.length) % list.length].focus();
  }

  updateButtons() {
    const has = Boolean(this.model);
    for (const [id, b] of this.buttons) {
      let off = !has;
      if (id === 'undo') off = !has || !this.model.canUndo;
      if (id === 'redo') off = !has || !this.model.canRedo;
      if (id === 'delete') off = !has || !this.model.selected;
      b.setAttribute('aria-disabled', String(off));
      if (b.hasAttribute('aria-pressed')) b.setAttribute('aria-pressed', String(id === this.tool));
    }
    const undo = has && this.model.canUndo ? t('staff.editor.undo_what', { label: this.model.undoStack.at(-1).label.toLowerCase() })
      : t('staff.editor.cmd.undo');
    this.buttons.get('undo').title = `${undo} (Ctrl+Z)`;
    this.stage.dataset.tool = this.tool;
  }

  setTool(id) {
    if (this.textEdit) this.commitText();
    this.tool = id;
    this.drag = null;
    // A drawing tool starts something new: colour and width choices made
    // now are for it, not for what was selected before.
    if (id !== 'select' && this.model?.selected) this.model.select(null);
    this.updateButtons();
    this.redraw();
    this.say(t('staff.editor.tool_chosen', { tool: TOOLS.find((x) => x.id === id).label }));
    this.onChange();
  }

  command(id) {
    if (!this.model) return;
    const c = this.viewCentre();
    switch (id) {
      case 'zoomIn': this.zoom(ZOOM_STEP, c); break;
      case 'zoomOut': this.zoom(1 / ZOOM_STEP, c); break;
      case 'fit': this.fit(); break;
      case 'undo': this.undo(); break;
      case 'redo': this.redo(); break;
      case 'delete': this.deleteSelected(); break;
      default: break;
    }
  }

  /* ---------- document ---------- */

  /** Edit `doc` over `source` (an ImageBitmap of the whole image). */
  load(doc, source) {
    if (this.textEdit) this.cancelText();
    this.model = new EditorModel(doc);
    this.pixels = new SourcePixels(source, doc.image.width, doc.image.height);
    this.exported = null;
    this.empty.hidden = true;
    this.canvas.hidden = false;
    this.resize();
    this.fit();
    this.updateButtons();
    this.onChange();
  }

  /** Run `fn` on the model, then redraw and report. */
  change(fn) {
    if (!this.model) return;
    fn(this.model);
    this.updateButtons();
    this.redraw();
    this.onChange();
  }

  undo() {
    if (this.textEdit) this.cancelText();
    let label = null;
    const hadCrop = JSON.stringify(this.model?.doc.crop);
    this.change((m) => { label = m.undo(); });
    if (hadCrop !== JSON.stringify(this.model?.doc.crop)) this.fit();
    this.say(label ? t('staff.editor.undid', { label: label.toLowerCase() }) : t('staff.editor.nothing_undo'));
  }

  redo() {
    if (this.textEdit) this.cancelText();
    let label = null;
    const hadCrop = JSON.stringify(this.model?.doc.crop);
    this.change((m) => { label = m.redo(); });
    if (hadCrop !== JSON.stringify(this.model?.doc.crop)) this.fit();
    this.say(label ? t('staff.editor.redid', { label: label.toLowerCase() }) : t('staff.editor.nothing_redo'));
  }

  deleteSelected() {
    const obj = this.model?.selectedObject();
    if (!obj) return;
    this.change((m) => m.remove(obj.id));
    this.say(t('staff.editor.deleted', { type: typeName(obj.type) }));
  }

  setCrop(rect) {
    this.change((m) => m.setCrop(rect));
    this.fit();
    const r = visibleRect(this.model.doc);
    this.say(rect ? t('staff.editor.cropped', { size: `${r.w}×${r.h}` }) : t('staff.editor.crop_removed'));
  }

  /** A new colour or width: for what is drawn next, and the selected object. */
  setStyle(style) {
    Object.assign(this.style, style);
    const obj = this.model?.selectedObject();
    if (obj) {
      const patch = stylePatch(obj, style);
      if (Object.keys(patch).length) this.change((m) => m.update(obj.id, patch, { label: t('staff.editor.cmd.restyle') }));
    }
  }

  /** The flattened PNG (cached per document version, so Save and Send give the same bytes). */
  async exportPng() {
    if (!this.model) return null;
    if (this.exported?.version === this.model.version && this.exported.model === this.model) return this.exported.blob;
    const canvas = flatten(this.model.doc, this.pixels);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    this.exported = { version: this.model.version, model: this.model, blob };
    return blob;
  }

  /* ---------- view ---------- */

  resize() {
    const w = Math.max(1, this.stage.clientWidth);
    const hgt = Math.max(1, this.stage.clientHeight);
    const dpr = globalThis.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hgt * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hgt}px`;
    this.size = { w, h: hgt };
    if (this.model && (this.fitted || !this.t)) this.t = fitTransform(this.model.doc, w, hgt);
    this.redraw();
  }

  fit() {
    if (!this.model) return;
    this.t = fitTransform(this.model.doc, this.size.w, this.size.h);
    this.fitted = true;
    this.redraw();
    this.onChange();
  }

  zoom(factor, at) {
    if (!this.model) return;
    this.t = zoomAt(this.t, factor, at);
    this.fitted = false;
    this.redraw();
    this.onChange();
  }

  viewCentre() {
    return { x: this.size.w / 2, y: this.size.h / 2 };
  }

  /** Zoom as a percentage of the image's own pixels. */
  zoomPercent() {
    return this.t ? Math.round(this.t.scale * 100) : 100;
  }

  redraw() {
    const { ctx } = this;
    const dpr = globalThis.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.model || !this.t) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const doc = this.shownDocument();
    drawDocument(ctx, doc, this.pixels, this.t, { draft: this.drag?.draft });
    const selected = this.model.selected ? doc.objects.find((o) => o.id === this.model.selected) : null;
    drawOverlay(ctx, doc, this.t, { selected: this.textEdit ? null : selected, cropDraft: this.drag?.crop || null });
    if (this.textEdit) this.placeTextBox();
  }

  /** The document as shown: with a move or resize in progress applied, and text being edited hidden. */
  shownDocument() {
    const doc = this.model.doc;
    const patch = this.drag?.patch;
    const hide = this.textEdit?.id;
    if (!patch && !hide) return doc;
    return { ...doc, objects: doc.objects.filter((o) => o.id !== hide)
      .map((o) => (patch && o.id === this.drag.id ? { ...o, ...patch } : o)) };
  }

  say(text) {
    this.status.textContent = '';
    // A fresh node each time, so the same words are announced again.
    setTimeout(() => { this.status.textContent = text; }, 30);
  }

  /* ---------- pointer ---------- */

  bindPointer() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', () => { this.drag = null; this.redraw(); });
    c.addEventListener('dblclick', (e) => {
      const obj = this.model && hitTest(this.model.doc, this.imagePoint(e), HIT_SLACK / this.t.scale);
      if (obj?.type === 'text') this.openTextBox(obj);
    });
    this.stage.addEventListener('wheel', (e) => {
      if (!this.model) return;
      e.preventDefault();
      this.zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, this.viewPoint(e));
    }, { passive: false });
  }

  viewPoint(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  imagePoint(e) {
    return viewToImage(this.t, this.viewPoint(e));
  }

  down(e) {
    if (!this.model || (e.button !== 0 && e.button !== 1)) return;
    if (this.textEdit) {
      this.commitText();
      if (this.tool === 'text') return;
    }
    e.preventDefault();
    this.stage.focus({ preventScroll: true });
    this.canvas.setPointerCapture(e.pointerId);
    const v = this.viewPoint(e);
    const p = viewToImage(this.t, v);
    const slack = HIT_SLACK / this.t.scale;
    if (e.button === 1) {
      this.drag = { kind: 'pan', v, t0: this.t };
      return;
    }
    switch (this.tool) {
      case 'select': {
        const sel = this.model.selectedObject();
        const hd = sel && handles(sel).find((x) => Math.hypot(x.x - p.x, x.y - p.y) <= slack * 1.5);
        if (hd) {
          this.drag = { kind: 'resize', id: sel.id, handle: hd.name, orig: { ...sel } };
          return;
        }
        const obj = hitTest(this.model.doc, p, slack);
        this.change((m) => m.select(obj ? obj.id : null));
        this.drag = obj ? { kind: 'move', id: obj.id, start: p, orig: { ...obj } } : { kind: 'pan', v, t0: this.t };
        return;
      }
      case 'text':
        this.drag = { kind: 'text', start: p };
        return;
      case 'step':
        this.drag = null;
        this.addObject(makeStep(p, this.style));
        return;
      default:
        this.drag = { kind: 'draw', start: p };
    }
  }

  move(e) {
    if (!this.drag) {
      this.updateCursor(e);
      return;
    }
    const v = this.viewPoint(e);
    const p = viewToImage(this.t, v);
    const d = this.drag;
    if (d.kind === 'pan') {
      this.t = panBy(d.t0, v.x - d.v.x, v.y - d.v.y);
      this.fitted = false;
    } else if (d.kind === 'move') {
      d.patch = movePatch(d.orig, p.x - d.start.x, p.y - d.start.y);
    } else if (d.kind === 'resize') {
      d.patch = resizePatch(d.orig, d.handle, p);
    } else if (d.kind === 'draw') {
      if (this.tool === 'crop') d.crop = clampToImage(this.model.doc, normRect(d.start, p));
      else d.draft = makeShape(this.tool, d.start, p, this.style);
    }
    this.redraw();
  }

  up(e) {
    const d = this.drag;
    this.drag = null;
    if (!d || !this.model) return;
    const p = this.imagePoint(e);
    if (d.kind === 'move' && d.patch) {
      this.change((m) => m.update(d.id, d.patch, { label: t('staff.editor.cmd.move') }));
    } else if (d.kind === 'resize' && d.patch) {
      this.change((m) => m.update(d.id, d.patch, { label: t('staff.editor.cmd.resize') }));
    } else if (d.kind === 'text') {
      const obj = hitTest(this.model.doc, p, HIT_SLACK / this.t.scale);
      this.openTextBox(obj?.type === 'text' ? obj : null, d.start);
      return;
    } else if (d.kind === 'draw') {
      if (this.tool === 'crop') {
        const r = clampToImage(this.model.doc, normRect(d.start, p));
        if (r && r.w >= 4 && r.h >= 4) this.setCrop(r);
      } else {
        const obj = makeShape(this.tool, d.start, p, this.style);
        if (obj) this.addObject(obj);
      }
    }
    this.redraw();
    if (d.kind === 'pan') this.onChange();
  }

  updateCursor(e) {
    if (!this.model || this.tool !== 'select') return;
    const p = this.imagePoint(e);
    const slack = HIT_SLACK / this.t.scale;
    const sel = this.model.selectedObject();
    const onHandle = sel && handles(sel).some((x) => Math.hypot(x.x - p.x, x.y - p.y) <= slack * 1.5);
    this.stage.dataset.hover = onHandle ? 'handle' : hitTest(this.model.doc, p, slack) ? 'object' : '';
  }

  addObject(obj) {
    let added = null;
    this.change((m) => { added = m.add(obj); });
    if (added) this.say(added.type === 'step' ? t('staff.editor.step_added', { n: added.n }) : t('staff.editor.added', { type: capital(typeName(added.type)) }));
  }

  /* ---------- text ---------- */

  /** Open a text box to edit `obj` (a text object) or to write new text at image point `at`. */
  openTextBox(obj, at = null) {
    if (!this.model) return;
    if (this.textEdit) this.commitText();
    const size = obj ? obj.size : textSizeFor(this.style.width);
    const color = obj ? obj.color : this.style.color;
    const box = h('textarea', { class: 'text-box', 'aria-label': t('staff.editor.text_box'), rows: 1, spellcheck: 'true' });
    box.value = obj ? obj.text : '';
    box.style.color = color;
    this.textEdit = { box, id: obj ? obj.id : null, at: obj ? { x: obj.x, y: obj.y } : at, size };
    this.stage.append(box);
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.cancelText();
      } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        e.stopPropagation();
        this.commitText();
      }
    });
    box.addEventListener('input', () => this.placeTextBox());
    box.addEventListener('blur', () => { if (this.textEdit?.box === box) this.commitText(); });
    this.redraw();
    box.focus();
    this.say(obj ? t('staff.editor.editing_text') : t('staff.editor.type_text'));
  }

  placeTextBox() {
    const te = this.textEdit;
    if (!te || !this.t) return;
    const a = imageToView(this.t, te.at);
    const fontPx = te.size * this.t.scale;
    const lines = te.box.value.split('\n');
    const m = this.measure(te.box.value || 'M', te.size);
    Object.assign(te.box.style, {
      left: `${a.x}px`, top: `${a.y}px`, font: textFont(fontPx),
      width: `${Math.max(m.w * this.t.scale + fontPx, 120)}px`,
      height: `${lines.length * fontPx * 1.25 + fontPx * 0.4}px`,
    });
  }

  commitText() {
    const te = this.textEdit;
    if (!te) return;
    this.textEdit = null;
    te.box.remove();
    const text = te.box.value.replace(/\s+$/, '');
    if (te.id) {
      if (!text.trim()) this.change((m) => m.remove(te.id));
      else this.change((m) => m.update(te.id, { text, ...this.measure(text, te.size) }, { label: t('staff.editor.cmd.edit_text') }));
    } else if (text.trim()) {
      this.addObject(makeText(te.at, text, { color: this.style.color, size: te.size }, this.measure));
    }
    this.redraw();
    this.stage.focus({ preventScroll: true });
  }

  cancelText() {
    const te = this.textEdit;
    if (!te) return;
    this.textEdit = null;
    te.box.remove();
    this.redraw();
    this.stage.focus({ preventScroll: true });
  }

  /* ---------- keyboard ---------- */

  /**
   * Handle a key pressed in the editor (not in a text field). Returns true
   * when the key did something here.
   */
  handleKey(e) {
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key;
    if (mod && !e.altKey && (k === 'z' || k === 'Z')) {
      if (e.shiftKey) this.redo();
      else this.undo();
      return true;
    }
    if (mod && !e.altKey && (k === 'y' || k === 'Y')) {
      this.redo();
      return true;
    }
    if (mod || e.altKey) return false;
    const tool = TOOLS.find((t) => t.key === k.toUpperCase() && k.length === 1);
    if (tool) {
      this.setTool(tool.id);
      return true;
    }
    if (!this.model) return false;
    if (k === '+' || k === '=') this.command('zoomIn');
    else if (k === '-' || k === '_') this.command('zoomOut');
    else if (k === '0') this.fit();
    else if (k === 'Delete' || k === 'Backspace') this.deleteSelected();
    else if (k === 'Escape') this.change((m) => m.select(null));
    else if (k === '[' || k === ']') this.cycleSelection(k === ']' ? 1 : -1);
    else if (k.startsWith('Arrow')) this.arrowKey(k, e.shiftKey);
    else if (k === 'Enter' || k === ' ') this.placeDefault();
    else return false;
    return true;
  }

  arrowKey(k, shift) {
    const dx = { ArrowLeft: -1, ArrowRight: 1 }[k] || 0;
    const dy = { ArrowUp: -1, ArrowDown: 1 }[k] || 0;
    const obj = this.model.selectedObject();
    if (!obj) {
      this.t = panBy(this.t, -dx * 40, -dy * 40);
      this.fitted = false;
      this.redraw();
      return;
    }
    const step = Math.max(1, Math.round(4 / this.t.scale));
    if (shift) this.change((m) => m.update(obj.id, growPatch(obj, dx * step, dy * step), { label: t('staff.editor.cmd.resize'), merge: `grow:${obj.id}` }));
    else this.change((m) => m.update(obj.id, movePatch(obj, dx * step, dy * step), { label: t('staff.editor.cmd.move'), merge: `move:${obj.id}` }));
  }

  cycleSelection(dir) {
    const list = this.model.doc.objects;
    if (!list.length) return;
    const i = list.findIndex((o) => o.id === this.model.selected);
    const next = list[(i < 0 ? (dir > 0 ? 0 : list.length - 1) : (i + dir + list.length) % list.length)];
    this.change((m) => m.select(next.id));
    this.say(next.type === 'step' ? t('staff.editor.selected_step', { n: next.n }) : next.type === 'text'
      ? t('staff.editor.selected_text', { text: next.text }) : t('staff.editor.selected', { type: typeName(next.type) }));
  }

  /** Enter: put a default-sized object of the current tool in the middle of the view. */
  placeDefault() {
    const c = viewToImage(this.t, this.viewCentre());
    const vis = visibleRect(this.model.doc);
    const s = Math.max(12, Math.round(Math.min(vis.w, vis.h) / 4));
    const a = { x: c.x - s / 2, y: c.y - s / 3 };
    const b = { x: c.x + s / 2, y: c.y + s / 3 };
    const sel = this.model.selectedObject();
    switch (this.tool) {
      case 'select':
        if (sel?.type === 'text') this.openTextBox(sel);
        return;
      case 'text':
        this.openTextBox(null, a);
        return;
      case 'step':
        this.addObject(makeStep(c, this.style));
        return;
      case 'crop':
        this.setCrop({ x: vis.x + vis.w * 0.1, y: vis.y + vis.h * 0.1, w: vis.w * 0.8, h: vis.h * 0.8 });
        return;
      default: {
        const obj = DRAW_TOOLS.has(this.tool) && makeShape(this.tool, a, b, this.style);
        if (obj) this.addObject(obj);
      }
    }
  }

  /** What the document looks like in words: for the stage's description. */
  summary() {
    if (!this.model) return t('staff.editor.no_image');
    const r = visibleRect(this.model.doc);
    const n = this.model.doc.objects.length;
    const sel = this.model.selectedObject();
    return t(sel ? 'staff.editor.summary_selected' : 'staff.editor.summary', { size: `${r.w}×${r.h}`, marks: t('staff.editor.marks', { count: n }),
      type: sel ? typeName(sel.type) : '', zoom: `${this.zoomPercent()}%` });
  }
}

function capital(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

