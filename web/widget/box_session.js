// box_session.js: what the guest's chat box remembers between page loads.
// Pure: the storage object (localStorage in the browser) is passed in.
//
// One record per queue, so a box on any page of a site finds the chat the
// guest already has with that queue: the chat id, its token, the last seq
// received and the last seq the guest has seen (readSeq: what is unread
// on the follow-me button), the name given, and the messages written but not yet
// acknowledged (sent again with the same ids after a reload; the server
// stores an id only once).
//
// The record holds the chat's token, so it lives only in the box's own
// storage (refdesk's origin), never in the library page's: any script on
// that page could read it there. On a library's site the box is a
// cross-site frame, and browsers give it storage partitioned under that
// site (Chromium since 115, Firefox, Safari), which is what lets the chat
// follow the guest from page to page. Where the browser refuses the frame
// any storage (third-party cookies blocked with partitioning switched off,
// as in Chromium launched by playwright; some privacy settings),
// pickStorage() falls back to memory: the chat then ends with the page
// rather than lend its token to the page.

const PREFIX = 'refdesk.chat.';
const PROBE = 'refdesk.probe';

/**
 * The first storage of `candidates`, [kind, get] pairs in order of
 * preference, that can write, read and remove an item; `get` returns a
 * Storage and may throw, as reading window.localStorage does in a refused
 * frame. Else a storage in memory, which lasts as long as the page.
 * Returns { storage, kind }: the kind given with it, or 'memory'.
 */
export function pickStorage(candidates) {
  for (const [kind, get] of candidates) {
    try {
      const s = get();
      s.setItem(PROBE, '1');
      const ok = s.getItem(PROBE) === '1';
      s.removeItem(PROBE);
      if (ok) return { storage: s, kind };
    } catch {
      // Refused (SecurityError) or full: try the next one.
    }
  }
  const mem = new Map();
  return { kind: 'memory', storage: { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, String(v)),
    removeItem: (k) => mem.delete(k) } };
}

/** The storage key for `queue`'s chat. */
export function sessionKey(queue) {
  return PREFIX + queue;
}

/** The saved chat for `queue`, or null (nothing saved, or unreadable). */
export function loadChat(storage, queue) {
  let raw;
  try {
    raw = storage.getItem(sessionKey(queue));
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    return parseChat(JSON.parse(raw));
  } catch {
    return null;
  }
}

/** A chat record from stored data, or null when it does not have the right shape. */
export function parseChat(s) {
  if (typeof s?.chat !== 'string' || typeof s.token !== 'string') return null;
  return {
    chat: s.chat,
    token: s.token,
    lastSeq: Number.isInteger(s.lastSeq) && s.lastSeq >= 0 ? s.lastSeq : 0,
    readSeq: Number.isInteger(s.readSeq) && s.readSeq >= 0 ? s.readSeq : 0,
    name: typeof s.name === 'string' ? s.name : '',
    outbox: Array.isArray(s.outbox) ? s.outbox.filter(validOutboxEntry) : [],
  };
}

function validOutboxEntry(m) {
  return m && typeof m.cid === 'string' && typeof m.text === 'string' && typeof m.at === 'number';
}

/** Save (replace) the chat record for `queue`. Storage errors are ignored. */
export function saveChat(storage, queue, record) {
  try {
    storage.setItem(sessionKey(queue), JSON.stringify(record));
  } catch {
    // Private mode or a full quota: the chat still works, it just will not
    // survive a reload.
  }
}

/** Forget `queue`'s chat (it ended, or the server no longer knows it). */
export function clearChat(storage, queue) {
  try {
    storage.removeItem(sessionKey(queue));
  } catch {
    // See saveChat.
  }
}

/** Update part of the saved record, if one exists for the same chat. */
export function updateChat(storage, queue, chat, change) {
  const current = loadChat(storage, queue);
  if (!current || current.chat !== chat) return null;
  const next = { ...current, ...change(current) };
  saveChat(storage, queue, next);
  return next;
}

/** The queue name from a box path such as /box/ask (null if malformed). */
export function queueFromPath(pathname) {
  const m = /^\/box\/([a-z0-9-]{1,32})\/?$/.exec(pathname);
  return m ? m[1] : null;
}

/** The layout mode from the query: embedded (default), popup or follow. */
export function modeFromSearch(search) {
  const mode = new URLSearchParams(search).get('mode');
  return ['popup', 'follow', 'consent'].includes(mode) ? mode : 'embedded';
}
