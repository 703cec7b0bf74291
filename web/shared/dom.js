// dom.js: small helpers for building DOM safely.
//
// h() creates elements from a tag, a property object and children. Text
// children become text nodes, so nothing a person typed is ever parsed as
// HTML; there is deliberately no way to pass markup through here.

/**
 * Create an element. `props` keys:
 *   class     -> className
 *   text      -> textContent
 *   on        -> { eventName: handler }
 *   dataset   -> { key: value }
 *   anything starting with "aria-" or "data-", and a few others -> setAttribute
 *   everything else -> assigned as a property (e.g. type, value, disabled)
 * Children may be nodes, strings, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('aria-') || key.startsWith('data-') || ATTRS.has(key))
      el.setAttribute(key, value === true ? '' : String(value));
    else el[key] = value;
  }
  appendAll(el, children);
  return el;
}

const ATTRS = new Set(['role', 'for', 'tabindex', 'autocomplete', 'inputmode', 'enterkeyhint',
  'maxlength', 'datetime', 'scope', 'title', 'href', 'target', 'rel', 'aria', 'spellcheck']);

function appendAll(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Remove every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** Replace the children of `el` with `children`. */
export function replaceChildren(el, ...children) {
  clear(el);
  appendAll(el, children);
}

// Formatters are made once: toLocale*String() builds one per call, which
// costs about a millisecond each and dominated drawing a long transcript.
// They are made at first use, in the page's language where the page has
// chosen one (i18n.js sets <html lang> first), else in the browser's.
let CLOCK = null;
let FULL = null;
function formatters() {
  if (CLOCK) return;
  const root = typeof document !== 'undefined' ? document.documentElement : null;
  const locale = root?.dataset.i18nLanguages && root.lang ? root.lang : [];
  CLOCK = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  FULL = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric' });
}

/** A <time> element for a millisecond timestamp, shown as a short local time. */
export function timeElement(ms) {
  const d = new Date(ms);
  formatters();
  return h('time', { datetime: d.toISOString(), text: formatTime(ms), title: FULL.format(d) });
}

/** "14:05" style local clock time. */
export function formatTime(ms) {
  formatters();
  return CLOCK.format(new Date(ms));
}
