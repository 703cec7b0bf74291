// transcript_file.js: the guest's "Save transcript" file, as a string.
// Pure (no DOM, no network): box.js hands in the transcript's items and the
// thumbnails it fetched, and downloads what comes back.
//
// The file is built in the browser from what the guest already has, so no
// route hands transcripts out (docs/SECURITY.md). It must stay readable
// for years, offline and anywhere, and it holds text other people typed:
// - one HTML document with no script and no outside resource: styles sit
//   in the file, thumbnails are data: URIs, files are named, not embedded;
// - every piece of text (names, messages, alt text, file names, the
//   queue's title) is escaped here and nowhere else, and a CSP in the file
//   forbids scripts even if an escape were ever missed;
// - times carry the date and the patron's own time zone, said once at the top;
// - screensharing steps are the same sentences the box showed (shareText).

import { noticeText, senderLabel } from '../shared/transcript_model.js';
import { humanSize } from '../shared/attachments.js';
import { t, language } from '../shared/i18n.js';

/** What may stand in an <img src>: a base64 picture of the types refdesk stores. */
const DATA_IMAGE = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

const STYLE = `
body{margin:0;background:#fff;color:#1b2733;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.about{margin:0;color:#4a5866;font-size:.9rem}
ol{list-style:none;margin:0;padding:0}
li{margin:0;padding:.5rem 0;border-top:1px solid #e3e8ee}
.who{font-weight:650}
time{color:#4a5866;font-size:.85rem;margin-inline-start:.5rem}
.text{margin:.15rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.notice{color:#4a5866;font-style:italic}
.unsent{color:#9b1c1c;font-size:.85rem}
img{display:block;max-width:100%;height:auto;margin-top:.35rem;border:1px solid #cfd8e1;border-radius:4px}
`.trim();

/** `s` as HTML text or attribute value (both quotes escaped). */
export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** A date formatter for `timeZone` (undefined: the browser's own). */
function formatter(locale, timeZone, options) {
  return new Intl.DateTimeFormat(locale, { timeZone, ...options });
}

/** "2026-12-03": the day of `at` (ms) in `timeZone`. */
export function dayOf(at, timeZone) {
  const parts = formatter('en-CA', timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** When the chat happened: its first item's time, else `fallback`. */
export function chatTime(items, fallback) {
  const at = items.find((i) => Number.isFinite(i.at))?.at;
  return at ?? fallback;
}

/** The file's name: "chat-2026-12-03.html", the chat's day where the patron is. */
export function transcriptFileName(items, { timeZone, savedAt = Date.now() } = {}) {
  return `chat-${dayOf(chatTime(items, savedAt), timeZone)}.html`;
}

/**
 * The whole file for the chat whose transcript items (transcript_model.js)
 * are `items`, read by the guest.
 * - title: the queue's title, the file's heading;
 * - images: Map of a snapshot's thumbnail (or blob) hash -> data: URI; a
 *   snapshot without one is named instead (anything but a base64 picture
 *   is refused, so no other URL can get into the file);
 * - timeZone / locale: the patron's (undefined: the browser's own);
 * - savedAt: when the file is made (ms).
 * Returns the HTML text.
 */
export function buildTranscriptFile({ title, items, guestLabel = null, images = new Map(), timeZone, locale = 'en-GB',
  savedAt = Date.now() }) {
  const heading = title || t('box.title');
  const zone = timeZone || formatter(locale, undefined, {}).resolvedOptions().timeZone;
  const long = formatter(locale, zone, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const started = chatTime(items, savedAt);
  const dayText = formatter(locale, zone, { year: 'numeric', month: 'long', day: 'numeric' }).format(started);
  const ctx = { guestLabel, images, time: (at) => long.format(at) };
  const entries = items.map((item) => itemHtml(item, ctx)).filter(Boolean);
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(language().lang)}" dir="${language().dir}">`,
    '<head>',
    '<meta charset="utf-8">',
    // Nothing in this file may run or load: styles and data: pictures only.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\'">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(t('file.title', { title: heading, day: dayText }))}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p class="about">${escapeHtml(t('file.about', { day: dayText, zone, saved: long.format(savedAt) }))}</p>`,
    `<h2>${escapeHtml(t('box.log'))}</h2>`,
    entries.length ? `<ol>\n${entries.join('\n')}\n</ol>` : `<p>${escapeHtml(t('file.empty'))}</p>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** One <li> for `item`, or '' for what the guest never had (an upload that never went). */
function itemHtml(item, ctx) {
  const time = Number.isFinite(item.at)
    ? `<time datetime="${escapeHtml(new Date(item.at).toISOString())}">${escapeHtml(ctx.time(item.at))}</time>` : '';
  if (item.kind === 'notice') {
    return `<li><p class="text notice">${escapeHtml(noticeText(item, 'guest', ctx.guestLabel))}${time}</p></li>`;
  }
  if (item.seq === null && item.kind !== 'message') return '';
  const who = `<p><span class="who">${escapeHtml(senderLabel(item, 'guest', ctx.guestLabel))}</span>${time}</p>`;
  const unsent = item.seq === null ? `<p class="unsent">${escapeHtml(t('transcript.not_sent'))}</p>` : '';
  return `<li>${who}${bodyHtml(item, ctx)}${unsent}</li>`;
}

function bodyHtml(item, ctx) {
  if (item.kind === 'message') return `<p class="text">${escapeHtml(item.text)}</p>`;
  const name = item.file_name || (item.kind === 'snapshot' ? t('file.snapshot') : t('file.file'));
  if (item.kind === 'snapshot') {
    const src = ctx.images.get(item.thumb) || ctx.images.get(item.blob);
    const caption = `<p class="text">${escapeHtml(t('file.picture', { name }))}</p>`;
    if (!src || !DATA_IMAGE.test(src)) return `${caption}<p class="text notice">${escapeHtml(t('file.picture_missing'))}</p>`;
    return `${caption}<img src="${escapeHtml(src)}" alt="${escapeHtml(item.alt || name)}">`;
  }
  const size = humanSize(item.size);
  const details = [item.mime, size].filter(Boolean).join(', ');
  return `<p class="text">${escapeHtml(t(details ? 'file.not_included_details' : 'file.not_included', { name, details }))}</p>`;
}
