// media.js: how a page reaches a chat's blobs (PROTOCOL.md 2.6) for the
// transcript view: thumbnails, the full image in a new tab, downloads.
//
// Operators are signed in with a cookie, so their pages use the blob URLs
// as they are (<img src>, <a href target=_blank>, <a download>):
// cookieMedia(). A guest proves itself with the chat token in an
// Authorization header, which neither <img src> nor a link can carry, and
// the token must never appear in a URL: bearerMedia() fetches each blob
// with the header and hands out a blob: URL of the bytes, revoked when the
// page no longer needs it (thumbnails when the chat is left, full images
// and downloads a minute after use).
//
// The full image opens in a window of our own making rather than by
// navigating to the blob: URL: a blob: document inherits this page's strict
// CSP, which refuses the inline styles of the browser's image viewer (a
// violation on every open). The new window is about:blank of our origin;
// the image in it is a blob: URL made by that window from the same bytes,
// so it also works when the box is a third-party frame.

import { blobUrl } from './attachments.js';

/** Blob access with the session cookie: plain URLs, nothing to intercept. */
export function cookieMedia(getChat) {
  return {
    intercept: false,
    href: (hash) => blobUrl(getChat(), hash),
    src: (hash) => blobUrl(getChat(), hash),
    reset() {},
  };
}

const KEEP_MS = 60000;

/**
 * Blob access with `Authorization: Bearer TOKEN`: getAuth() returns
 * { chat, token } for the current chat (or null). Links keep the blob's
 * path as their href (for what they are), but clicks are handled here.
 */
export function bearerMedia(getAuth, { fetchImpl = (...a) => globalThis.fetch(...a) } = {}) {
  let urls = new Map(); // "chat/hash" -> Promise<{ blob, url }>

  function load(hash) {
    return loadBlob(hash).then((b) => b.url);
  }

  function loadBlob(hash) {
    const auth = getAuth();
    if (!auth) return Promise.reject(new Error('no chat'));
    const key = `${auth.chat}/${hash}`;
    if (!urls.has(key)) {
      const p = fetchImpl(blobUrl(auth.chat, hash), { headers: { Authorization: `Bearer ${auth.token}` },
        cache: 'default', credentials: 'omit' })
        .then((res) => {
          if (!res.ok) throw new Error(`blob answered ${res.status}`);
          return res.blob();
        })
        .then((blob) => ({ blob, url: URL.createObjectURL(blob) }));
      p.catch(() => urls.delete(key));
      urls.set(key, p);
    }
    return urls.get(key);
  }

  /** Forget (and revoke) the URL of `hash` after a while. */
  function release(hash) {
    const auth = getAuth();
    if (!auth) return;
    const key = `${auth.chat}/${hash}`;
    const p = urls.get(key);
    if (!p) return;
    setTimeout(() => {
      if (urls.get(key) !== p) return;
      urls.delete(key);
      p.then((b) => URL.revokeObjectURL(b.url), () => {});
    }, KEEP_MS);
  }

  return {
    intercept: true,
    href: (hash) => {
      const auth = getAuth();
      return auth ? blobUrl(auth.chat, hash) : '#';
    },
    /** A promise for a blob: URL of `hash` (cached until reset()). */
    src: (hash) => load(hash),
    /**
     * Open the full image in a new tab (the token stays here). The window
     * opens at once, while the click still counts as the person's own.
     */
    async open(hash, label = 'Image') {
      const win = window.open('', '_blank');
      if (!win) throw new Error('the pop-up was blocked');
      try {
        showImage(win, (await loadBlob(hash)).blob, label);
      } catch (err) {
        win.close();
        throw err;
      }
      release(hash);
    },
    /** Save a blob under `fileName` (a programmatic <a download> click). */
    async download(hash, fileName) {
      const url = await load(hash);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName || 'file';
      a.click();
      release(hash);
    },
    /** Revoke every URL handed out (the chat was left). */
    reset() {
      const old = urls;
      urls = new Map();
      for (const p of old.values()) p.then((b) => URL.revokeObjectURL(b.url), () => {});
    },
  };
}

/** Fill the about:blank window `win` with `blob` shown as an image. */
function showImage(win, blob, label) {
  const doc = win.document;
  try {
    win.opener = null; // the viewer has no business with this page
  } catch { /* some browsers keep it read-only */ }
  doc.title = label;
  const css = doc.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL('/shared/viewer.css', location.href).href;
  doc.head.append(css);
  const img = doc.createElement('img');
  img.className = 'rd-viewer';
  img.alt = label;
  img.src = win.URL.createObjectURL(blob);
  doc.body.append(img);
}
