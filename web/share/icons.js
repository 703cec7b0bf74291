// icons.js: the editor's toolbar icons, built as SVG elements (no markup
// strings). Each icon is a list of [element, attributes] drawn on a 24x24
// grid with the current text colour.

const SVG_NS = 'http://www.w3.org/2000/svg';

const ICONS = {
  select: [['path', { d: 'M5 3l13 7.5-6 1.5-2.5 6z' }]],
  rect: [['rect', { x: 4, y: 6, width: 16, height: 12, rx: 1 }]],
  line: [['path', { d: 'M5 19L19 5' }]],
  arrow: [['path', { d: 'M5 19L18 6' }], ['path', { d: 'M10 5h9v9' }]],
  text: [['path', { d: 'M5 6V4h14v2' }], ['path', { d: 'M12 4v16' }], ['path', { d: 'M9 20h6' }]],
  highlight: [['path', { d: 'M4 20h16' }], ['path', { d: 'M8 16l-2-2 9-9 4 4-9 9z' }], ['path', { d: 'M7 17l-2 2' }]],
  redact: [['rect', { x: 3, y: 7, width: 18, height: 10, rx: 1.5, fill: 'currentColor' }]],
  step: [['circle', { cx: 12, cy: 12, r: 8.5 }], ['path', { d: 'M10.5 9.5L12.5 8v8' }]],
  crop: [['path', { d: 'M7 3v14h14' }], ['path', { d: 'M3 7h14v14' }]],
  zoomIn: [['circle', { cx: 11, cy: 11, r: 6.5 }], ['path', { d: 'M16 16l4.5 4.5M8.5 11h5M11 8.5v5' }]],
  zoomOut: [['circle', { cx: 11, cy: 11, r: 6.5 }], ['path', { d: 'M16 16l4.5 4.5M8.5 11h5' }]],
  fit: [['path', { d: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5' }]],
  undo: [['path', { d: 'M9 14L4 9l5-5' }], ['path', { d: 'M4 9h10a6 6 0 0 1 0 12h-3' }]],
  redo: [['path', { d: 'M15 14l5-5-5-5' }], ['path', { d: 'M20 9H10a6 6 0 0 0 0 12h3' }]],
  delete: [['path', { d: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13' }]],
  upload: [['path', { d: 'M12 16V4M7 9l5-5 5 5' }], ['path', { d: 'M4 16v4h16v-4' }]],
  save: [['path', { d: 'M12 4v12M7 11l5 5 5-5' }], ['path', { d: 'M4 16v4h16v-4' }]],
  send: [['path', { d: 'M3 11l18-8-7 18-2.5-7.5z' }]],
  file: [['path', { d: 'M14 3H6v18h12V7z' }], ['path', { d: 'M14 3v4h4' }]],
};

/** An <svg> icon named `name`, hidden from assistive technology. */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  for (const [tag, attrs] of ICONS[name] || []) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
