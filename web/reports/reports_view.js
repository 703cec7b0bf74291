// reports_view.js: the Reports page's charts and tables, drawn from the
// model's rows (reports_model.js). Charts are SVG built element by element
// with textContent (nothing is parsed as markup) and hidden from screen
// readers: each has a data table with the same figures beside it. The heat
// map's table is visually hidden, as 7 × 24 numbers are for listening, not
// reading; the others are shown.

import { h, replaceChildren } from '../shared/dom.js';
import { bars, HEAT_LEVELS, heatCells, hourLabel, WEEKDAYS } from './reports_model.js';
import { t } from '../shared/i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (values as strings) and children. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** An SVG that scales to its box, hidden from assistive technology (the table carries it). */
function chartSvg(width, height, cls) {
  return s('svg', { viewBox: `0 0 ${width} ${height}`, class: cls, 'aria-hidden': 'true', focusable: 'false',
    preserveAspectRatio: 'xMinYMin meet' });
}

/** A horizontal bar chart of rows ({key, short or label, value, text to print instead of the value}). */
export function barChart(rows, { labelWidth: least = 130, barWidth = 240 } = {}) {
  const rowH = 30;
  // Room for the longest label (about 9 units a character): French labels run longer than English.
  const labelWidth = Math.max(least, 12 + 9 * Math.max(0, ...rows.map((r) => String(r.short ?? r.label).length)));
  const svg = chartSvg(labelWidth + barWidth + 60, rows.length * rowH + 8, 'bar-chart');
  bars(rows, barWidth).forEach((r, i) => {
    const y = 4 + i * rowH;
    svg.append(
      s('text', { x: labelWidth - 8, y: y + 19, 'text-anchor': 'end', class: 'bar-chart__label' }, r.short ?? r.label),
      s('rect', { x: labelWidth, y: y + 5, width: barWidth, height: 20, rx: 3, class: 'bar-chart__track' }),
      s('rect', { x: labelWidth, y: y + 5, width: r.length, height: 20, rx: 3, class: `bar-chart__bar bar-chart__bar--${r.key}` }),
      s('text', { x: labelWidth + r.length + 6, y: y + 19, class: 'bar-chart__value' }, r.text ?? String(r.value)));
  });
  return svg;
}

/** A data table: caption, column heads and rows of cells (the first cell heads its row). */
export function dataTable(caption, heads, rows, { hidden = false } = {}) {
  const table = h('table', { class: 'reports-table' },
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, ...heads.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {},
      h('th', { scope: 'row', text: String(cells[0]) }),
      ...cells.slice(1).map((c) => h('td', { text: String(c) }))))));
  // A table is as wide as its cells whatever its own width says: hide a box around it.
  return hidden ? h('div', { class: 'rd-visually-hidden' }, table) : table;
}

/** The heat map: weekdays down, hours across, darker for busier. */
export function heatMap(byHour) {
  const cell = 26;
  const left = 44;
  const top = 22;
  const svg = chartSvg(left + 24 * cell + 4, top + 7 * cell + 34, 'heat-map');
  for (let hr = 0; hr < 24; hr += 3)
    svg.append(s('text', { x: left + hr * cell + cell / 2, y: 15, 'text-anchor': 'middle', class: 'heat-map__axis' }, hourLabel(hr)));
  heatCells(byHour).forEach((row, d) => {
    svg.append(s('text', { x: left - 6, y: top + d * cell + 17, 'text-anchor': 'end', class: 'heat-map__axis' }, WEEKDAYS[d].slice(0, 3)));
    for (const c of row) {
      svg.append(s('rect', { x: left + c.hour * cell + 1, y: top + d * cell + 1, width: cell - 2, height: cell - 2, rx: 3,
        class: `heat-map__cell heat-map__cell--${c.level}` },
      s('title', {}, t('staff.reports.heat_cell', { day: WEEKDAYS[d], hour: `${hourLabel(c.hour)}:00`, chats: t('staff.reports.chats_count', { count: c.n }) }))));
    }
  });
  // The key: fewer to more.
  const ky = top + 7 * cell + 12;
  svg.append(s('text', { x: left, y: ky + 13, class: 'heat-map__axis' }, t('staff.reports.fewer')));
  for (let l = 0; l < HEAT_LEVELS; l++)
    svg.append(s('rect', { x: left + 46 + l * 22, y: ky, width: 18, height: 18, rx: 3, class: `heat-map__cell heat-map__cell--${l}` }));
  svg.append(s('text', { x: left + 50 + HEAT_LEVELS * 22, y: ky + 13, class: 'heat-map__axis' }, t('staff.reports.more')));
  return svg;
}

/** The heat map's table, for screen readers: caption "Chats by hour of the week". */
export function heatTable(byHour) {
  return dataTable(t('staff.reports.by_hour'), [t('staff.reports.day'), ...Array.from({ length: 24 }, (_, hr) => `${hourLabel(hr)}:00`)],
    byHour.map((row, d) => [WEEKDAYS[d], ...row]), { hidden: true });
}

/** The big numbers at the top. */
export function figureCards(items) {
  return items.map(({ label, value, note }) => h('div', { class: 'reports-figure' },
    h('span', { class: 'reports-figure__value', text: String(value) }),
    h('span', { class: 'reports-figure__label', text: label }),
    note ? h('span', { class: 'reports-figure__note', text: note }) : null));
}

export function show(el, ...children) {
  replaceChildren(el, ...children);
}
