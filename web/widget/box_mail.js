// box_mail.js: the box's two uses of the library's mail (PROTOCOL.md section
// 2.10), when the server has it set up (GET /api/queues says `mail`):
// Leave a question while nobody is online, and Email transcript of a chat.
// The checks mirror the server's, so the patron hears about a typo before
// sending; the server checks everything again. No DOM here.

import { t } from '../shared/i18n.js';

// The last label must hold a letter, as the server's check: no raw IP host (pat@127.0.0.1).
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** What is wrong with an address, in words, or null. */
export function emailProblem(email) {
  if (!email) return t('mail.email_missing');
  if (email.length > 254 || email.indexOf('@') > 64 || !ADDRESS.test(email))
    return t('mail.email_bad');
  return null;
}

/** What is wrong with a question, in words, or null. */
export function questionProblem(question) {
  if (!question.trim()) return t('mail.question_missing');
  if ([...question].length > 4000) return t('mail.question_too_long', { max: 4000 });
  return null;
}

/** The patron's words for the server's refusal `error` ({code, message}). */
export function mailErrorText(error) {
  switch (error?.code) {
    // The server's own words are English: the patron reads the catalogue's.
    case 'rate_limited': return t('mail.rate_limited');
    case 'bad_email': return t('mail.email_bad');
    case 'too_long': return t('mail.question_too_long', { max: 4000 });
    case 'already_sent': return t('mail.already_sent');
    case 'too_large': return t('mail.transcript_too_large');
    case 'not_ended': return t('mail.not_ended');
    case 'not_answered': return t('mail.not_answered');
    case 'unavailable': return t('mail.unavailable');
    case 'network': return t('box.error.network');
    default: return t('mail.other');
  }
}

async function post(path, body, headers = {}) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    return { ok: false, error: { code: 'network' } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return res.ok ? { ok: true } : { ok: false, error: data?.error ?? { code: `http_${res.status}` } };
}

/**
 * Leave a question on `queue`; resolves to { ok } or { ok: false, error }.
 * Line breaks go as LF only: the server refuses a CR anywhere. `lang` is
 * the box's language (its <html lang>), which the answer's mail will speak.
 */
export function sendQuestion(queue, { question, email, name, lang }) {
  const body = { question: question.replace(/\r\n?/g, '\n'), email: email.trim() };
  if (name.trim()) body.name = name.trim();
  if (lang) body.lang = lang;
  return post(`/api/queues/${encodeURIComponent(queue)}/followups`, body);
}

/** Ask the server to email chat `chat`'s transcript (with its token) to `email`. */
export function emailTranscript({ chat, token }, email) {
  return post(`/api/chats/${encodeURIComponent(chat)}/email`, { email: email.trim() }, { Authorization: `Bearer ${token}` });
}
