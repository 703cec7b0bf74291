// share_upload.js: the sharing tool's uploads (PROTOCOL.md 2.6) — the
// editor's document, the flattened image and any file — as one fetch each,
// with the session cookie and the CSRF token, plus the words for a refusal.
// postUpload() never throws: it resolves to { ok, status, data, error }.

import { csrf } from '../shared/api.js';

/** POST `body` (a Blob) to the chat's uploads with `headers`. */
export async function postUpload(chat, body, headers) {
  let res;
  try {
    res = await fetch(`/api/chats/${encodeURIComponent(chat)}/uploads`, {
      method: 'POST', body, credentials: 'same-origin', cache: 'no-store',
      headers: { 'X-CSRF-Token': csrf() || '', ...headers },
    });
  } catch {
    return { ok: false, status: 0, data: null, error: { code: 'network', message: 'The server could not be reached.' } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.ok) return { ok: true, status: res.status, data, error: null };
  return { ok: false, status: res.status, data, error: data?.error || { code: `http_${res.status}`, message: '' } };
}

/** Why an upload or message was refused, as the end of a sentence; `retry` when trying later may work. */
export function uploadFailure(status, code) {
  if (status === 0 || code === 'network' || code === 'offline' || code === 'disconnected')
    return { text: 'the connection dropped; please try again.', retry: true };
  const words = {
    not_holder: 'another librarian holds this chat.',
    chat_ended: 'the chat has ended.',
    chat_waiting: 'the chat has not been accepted yet.',
    too_large: 'it is over the size limit.',
    too_many_pixels: 'the picture has too many pixels.',
    not_image: 'it is not a PNG, JPEG, WebP or GIF picture.',
    corrupt: 'the server could not read it.',
    empty: 'it is empty.',
    rate_limited: 'too many at once; please wait a moment.',
    too_long: 'the message is over 4,000 characters.',
    busy: 'the server is busy; please try again.',
    storage: 'the server could not store it; please try again.',
    not_found: 'this chat was not found.',
    csrf: 'your session changed; please reload the page.',
  };
  return { text: words[code] || 'something went wrong.', retry: status >= 500 || code === 'rate_limited' };
}
