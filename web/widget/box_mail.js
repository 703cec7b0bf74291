// box_mail.js: the box's two uses of the library's mail (PROTOCOL.md section
// 2.10), when the server has it set up (GET /api/queues says `mail`):
// Leave a question while nobody is online, and Email transcript of a chat.
// The checks mirror the server's, so the patron hears about a typo before
// sending; the server checks everything again. No DOM here.

// The last label must hold a letter, as the server's check: no raw IP host (pat@127.0.0.1).
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** What is wrong with an address, in words, or null. */
export function emailProblem(email) {
  if (!email) return 'Please give your email address, so that we can answer you.';
  if (email.length > 254 || email.indexOf('@') > 64 || !ADDRESS.test(email))
    return 'That does not look like an email address, such as name@example.org.';
  return null;
}

/** What is wrong with a question, in words, or null. */
export function questionProblem(question) {
  if (!question.trim()) return 'Please write your question.';
  if ([...question].length > 4000) return 'A question is at most 4,000 characters.';
  return null;
}

/** The patron's words for the server's refusal `error` ({code, message}). */
export function mailErrorText(error) {
  switch (error?.code) {
    case 'rate_limited': return error.message || 'Please wait a while before sending another.';
    case 'bad_email': return 'That does not look like an email address, such as name@example.org.';
    case 'too_long': return 'A question is at most 4,000 characters.';
    case 'already_sent': return 'This chat\'s transcript has been emailed already.';
    case 'not_ended': return 'The transcript can be emailed once the chat has ended.';
    case 'not_answered': return 'This chat was not answered by a librarian, so there is no transcript to email.';
    case 'unavailable': return 'The library does not take questions by email just now.';
    case 'network': return 'We could not reach the library. Please check your connection and try again.';
    default: return error?.message || 'Something went wrong. Please try again.';
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
 * Line breaks go as LF only: the server refuses a CR anywhere.
 */
export function sendQuestion(queue, { question, email, name }) {
  const body = { question: question.replace(/\r\n?/g, '\n'), email: email.trim() };
  if (name.trim()) body.name = name.trim();
  return post(`/api/queues/${encodeURIComponent(queue)}/followups`, body);
}

/** Ask the server to email chat `chat`'s transcript (with its token) to `email`. */
export function emailTranscript({ chat, token }, email) {
  return post(`/api/chats/${encodeURIComponent(chat)}/email`, { email: email.trim() }, { Authorization: `Bearer ${token}` });
}
