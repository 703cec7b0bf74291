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
  let urls = new Map(); // "chat/hash" -> Promise<blob: URL>

  function load(hash) {
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
        .then((blob) => URL.createObjectURL(blob));
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
      p.then((u) => URL.revokeObjectURL(u), () => {});
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
    /** Open the full image in a new tab (a blob: URL: the token stays here). */
    async open(hash) {
      const url = await load(hash);
      const a = document.createElement('a');
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener';
      a.click();
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
      for (const p of old.values()) p.then((u) => URL.revokeObjectURL(u), () => {});
    },
  };
}
