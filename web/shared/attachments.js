// attachments.js: snapshots and files (PROTOCOL.md 2.6) as plain data. Pure.
//
// What may be sent (types and byte limits, checked here before anything
// goes out), the headers an upload carries, the words for sizes, for a
// file's details and for the server's refusals, and which image of a
// clipboard or a drop to take. The DOM and the network live in
// attach_ui.js, upload_client.js and transcript_view.js.

import { t } from './i18n.js';

/** Image types the server accepts (by their bytes; the picker offers these). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
/** The picker's `accept` for images. */
export const IMAGE_ACCEPT = IMAGE_TYPES.join(',');
/** The server's default limits (--max-image-mb 15, --max-file-mb 25), in bytes. */
export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
/** Longest image description the server keeps (X-Alt), in characters. */
export const MAX_ALT = 1000;

/**
 * "512 bytes", "3.4 KB", "12 MB": binary units (as the server counts its
 * limits), one decimal below 10, none above.
 */
export function humanSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n === 1) return '1 byte';
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const text = v < 10 ? (Math.floor(v * 10) / 10).toFixed(1).replace(/\.0$/, '') : String(Math.floor(v));
  return `${text} ${units[u]}`;
}

/**
 * A size just over a limit, rounded up to a tenth ("15.1 MB"), so it never
 * reads the same as the limit it exceeds.
 */
export function sizeOver(bytes) {
  const mb = bytes / (1024 * 1024);
  if (mb < 1) return humanSize(bytes);
  return `${(Math.ceil(mb * 10) / 10).toFixed(1)} MB`;
}

/** Whether `type` (a MIME type) is an image the server takes. */
export function isImageType(type) {
  return IMAGE_TYPES.includes(String(type || '').toLowerCase());
}

/**
 * Check a picked, pasted or dropped file before anything is sent.
 * `file` needs { size, type }; `kind` is 'image' or 'file'.
 * Returns { ok: true } or { ok: false, reason, message } where reason is
 * 'empty', 'not_image' or 'too_large' and message is a sentence for people.
 */
export function checkUpload(file, kind, limits = {}) {
  const maxImage = limits.maxImage ?? MAX_IMAGE_BYTES;
  const maxFile = limits.maxFile ?? MAX_FILE_BYTES;
  if (kind === 'image' && !isImageType(file.type)) {
    return { ok: false, reason: 'not_image',
      message: t('upload.check.not_image') };
  }
  if (!file.size) return { ok: false, reason: 'empty', message: t('upload.check.empty') };
  const max = kind === 'image' ? maxImage : maxFile;
  if (file.size > max) {
    return { ok: false, reason: 'too_large',
      message: t(kind === 'image' ? 'upload.check.image_too_large' : 'upload.check.file_too_large',
        { size: sizeOver(file.size), max: humanSize(max) }) };
  }
  return { ok: true, reason: null, message: '' };
}

/**
 * The headers of an upload (besides credentials). `cid` is the client id
 * (the same on a retry), `name` the file's name, `alt` the description the
 * person typed (images only; blank means none), `type` the file's MIME type.
 */
export function uploadHeaders({ kind, cid, name, alt, type }) {
  const headers = { 'X-Upload-Kind': kind, 'X-Client-Id': cid };
  if (name) headers['X-File-Name'] = encodeURIComponent(name);
  const description = kind === 'image' ? String(alt || '').trim() : '';
  if (description) headers['X-Alt'] = encodeURIComponent(description.slice(0, MAX_ALT));
  headers['Content-Type'] = type || 'application/octet-stream';
  return headers;
}

/** The upload URL of a chat. */
export function uploadUrl(chat) {
  return `/api/chats/${encodeURIComponent(chat)}/uploads`;
}

/** The URL of one of a chat's blobs (its hash names it). */
export function blobUrl(chat, hash) {
  return `/api/chats/${encodeURIComponent(chat)}/blobs/${encodeURIComponent(hash)}`;
}

/**
 * A refused or failed upload, in words. `status` is the HTTP status (0 when
 * the request never got an answer), `code` the server's error code.
 * Returns { text, retry }: `retry` is true when sending the same upload
 * again later may work (it keeps its client id, so it is stored once).
 */
export function uploadErrorText(status, code) {
  if (status === 0 || code === 'network') {
    return { text: t('upload.error.network'), retry: true };
  }
  switch (code) {
    case 'not_image': return { text: t('upload.error.not_image'), retry: false };
    case 'too_large': return { text: t('upload.error.too_large'), retry: false };
    case 'too_many_pixels': return { text: t('upload.error.too_many_pixels'), retry: false };
    case 'corrupt': return { text: t('upload.error.corrupt'), retry: false };
    case 'empty': return { text: t('upload.error.empty'), retry: false };
    case 'rate_limited': return { text: t('upload.error.rate_limited'), retry: true };
    case 'chat_ended': return { text: t('upload.error.chat_ended'), retry: false };
    case 'not_holder': return { text: t('upload.error.not_holder'), retry: false };
    case 'chat_waiting': return { text: t('upload.error.chat_waiting'), retry: false };
    case 'busy':
    case 'storage': return { text: t('upload.error.busy'), retry: true };
    default: return { text: t('upload.error.other'), retry: status >= 500 };
  }
}

/**
 * The first image file among a clipboard's or a drop's files, or null.
 * `transfer` is a DataTransfer (or anything with `files` and `items`).
 */
export function imageFromTransfer(transfer) {
  if (!transfer) return null;
  for (const file of transfer.files || []) if (isImageType(file.type)) return file;
  for (const item of transfer.items || []) {
    if (item.kind === 'file' && isImageType(item.type)) {
      const file = item.getAsFile();
      if (file) return file;
    }
  }
  return null;
}

/** The first file of any type in a drop, or null. */
export function fileFromTransfer(transfer) {
  return transfer?.files?.[0] || null;
}

/** "application/pdf · 3 KB": a file's (or image's) type and size. */
export function fileDetails(item) {
  const parts = [];
  if (item.mime) parts.push(item.mime);
  const size = humanSize(item.size);
  if (size) parts.push(size);
  return parts.join(' · ');
}

/** A one-line summary of a transcript item for lists (e.g. the chat list). */
export function itemSummary(item) {
  if (item.kind === 'snapshot') return `Image: ${item.file_name || 'snapshot'}`;
  if (item.kind === 'file') return `File: ${item.file_name || 'file'}`;
  return item.text || '';
}

/**
 * The size to draw a snapshot's thumbnail at, from the event's
 * thumb_width/thumb_height (so the page does not jump when it loads),
 * scaled down to fit `maxWidth`. Falls back to a 4:3 box.
 */
export function thumbBox(item, maxWidth = 320) {
  let w = Number(item.thumb_width) || 0;
  let h = Number(item.thumb_height) || 0;
  if (w <= 0 || h <= 0) {
    w = 240;
    h = 180;
  }
  if (w > maxWidth) {
    h = Math.max(1, Math.round((h * maxWidth) / w));
    w = maxWidth;
  }
  return { width: Math.round(w), height: Math.round(h) };
}

/**
 * How a transcript item shows for `perspective` ('guest' or 'operator'):
 * 'text' for messages and notices, 'image' for a snapshot shown as its
 * thumbnail, 'image-hidden' for an operator's snapshot not yet revealed
 * (shown by its name and a Show button: staff choose when to look), 'file'
 * for a file. A snapshot not yet stored shows the sender's local copy.
 */
export function renderKind(item, perspective) {
  if (item.kind === 'snapshot') {
    if (perspective === 'operator' && item.from === 'guest' && !item.revealed) return 'image-hidden';
    return 'image';
  }
  if (item.kind === 'file') return 'file';
  return 'text';
}

/** "Uploading… 42%" for a pending upload's progress (0..1, or null when unknown). */
export function progressText(progress) {
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return t('transcript.uploading');
  return t('transcript.uploading_percent', { percent: Math.min(100, Math.max(0, Math.floor(progress * 100))) });
}
