// share_upload.js: the sharing tool's uploads (PROTOCOL.md 2.6) — the
// editor's document, the flattened image and any file — as one fetch each,
// with the session cookie and the CSRF token, plus the words for a refusal.
// postUpload() never throws: it resolves to { ok, status, data, error }.

import { csrf } from '../shared/api.js';
import { t } from '../shared/i18n.js';

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
    return { text: t('staff.upload.dropped'), retry: true };
  const known = ['not_holder', 'chat_ended', 'chat_waiting', 'too_large', 'too_many_pixels', 'not_image', 'corrupt', 'empty', 'rate_limited', 'too_long', 'busy', 'storage', 'not_found', 'csrf'];
  return { text: known.includes(code) ? t(`staff.upload.${code}`) : t('staff.upload.other'), retry: status >= 500 || code === 'rate_limited' };
}
