// box_survey.js: the survey at the end of a chat (PROTOCOL.md section 2.13).
//
// When a chat ends, box.js hands this module the ended panel and the chat
// ({chat, token}). It asks the server for the queue's questions with the
// chat's token; with none, or once answered, it shows nothing. Otherwise it
// shows each question with its own words as the label (a rating as a group
// of five radio buttons whose legend is the question, yes/no as two), Send
// answers and Skip, and then a thank-you. Answering is optional, and so is
// each question. The checks mirror the server's so the patron hears at once
// what is wrong; the server checks everything again.
//
// Every word the patron reads is in STRINGS below, each read from the
// box's language catalogue (web/shared/i18n/, keys box.survey.*).

import { t } from '../shared/i18n.js';

export const STRINGS = {
  get heading() { return t('box.survey.heading'); },
  get intro() { return t('box.survey.intro'); },
  get send() { return t('box.survey.send'); },
  get sending() { return t('box.survey.sending'); },
  get skip() { return t('box.survey.skip'); },
  get thanks() { return t('box.survey.thanks'); },
  get yes() { return t('box.survey.yes'); },
  get no() { return t('box.survey.no'); },
  get ratingLow() { return t('box.survey.rating_low'); },
  get ratingHigh() { return t('box.survey.rating_high'); },
  get commentHint() { return t('box.survey.comment_hint'); },
  get nothingAnswered() { return t('box.survey.nothing_answered'); },
  get commentTooLong() { return t('box.survey.comment_too_long'); },
  get alreadyAnswered() { return t('box.survey.already_answered'); },
  get network() { return t('box.survey.network'); },
  get failed() { return t('box.survey.failed'); },
};

export const COMMENT_MAX = 500;
export const KINDS = ['rating', 'yes_no', 'comment'];

/**
 * The answers to send for `questions` from `values` (one per question, as
 * the form holds them: a rating as '1'-'5' or '', yes/no as 'yes', 'no' or
 * '', a comment as text). Pure. Returns { answers } with null for each
 * question skipped (trailing ones left off), or { problem } in words.
 */
export function collectAnswers(questions, values) {
  const answers = questions.map((q, i) => {
    const v = values[i] ?? '';
    if (q.kind === 'rating') return /^[1-5]$/.test(v) ? Number(v) : null;
    if (q.kind === 'yes_no') return v === 'yes' ? true : v === 'no' ? false : null;
    return v.trim() ? v.replace(/\r\n?/g, '\n') : null;
  });
  const tooLong = answers.some((a, i) => questions[i].kind === 'comment' && a !== null && [...a].length > COMMENT_MAX);
  if (tooLong) return { problem: STRINGS.commentTooLong };
  while (answers.length && answers[answers.length - 1] === null) answers.pop();
  if (!answers.length) return { problem: STRINGS.nothingAnswered };
  return { answers };
}

/** The patron's words for the server's refusal `error` ({code, message}). */
export function surveyErrorText(error) {
  switch (error?.code) {
    case 'already_answered': return STRINGS.alreadyAnswered;
    case 'too_long': return STRINGS.commentTooLong;
    case 'network': return STRINGS.network;
    default: return STRINGS.failed;
  }
}

async function call(method, { chat, token }, body) {
  let res;
  try {
    res = await fetch(`/api/chats/${encodeURIComponent(chat)}/survey`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    return { ok: false, error: { code: 'network' } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return res.ok ? { ok: true, data } : { ok: false, error: data?.error ?? { code: `http_${res.status}` } };
}

let fieldIds = 0;
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** A group of radio buttons named `name` with `legend` (the question's words). */
function radioGroup(legend, name, options, hint) {
  const set = el('fieldset', { className: 'box__survey-q box__survey-choices' });
  set.append(el('legend', { textContent: legend }));
  const row = el('div', { className: 'box__survey-options' });
  for (const [value, label] of options) {
    const id = `survey-${++fieldIds}`;
    const input = el('input', { type: 'radio', name, value, id });
    row.append(el('span', { className: 'box__survey-option' }, input, el('label', { htmlFor: id, textContent: label })));
  }
  set.append(row);
  if (hint) set.append(el('p', { className: 'box__survey-scale', textContent: hint }));
  return set;
}

/** The form's controls for `questions`; each has read() giving its raw value. */
function buildQuestions(questions) {
  return questions.map((q, i) => {
    const name = `survey-q${i}-${fieldIds}`;
    if (q.kind === 'rating') {
      const node = radioGroup(q.text, name, [1, 2, 3, 4, 5].map((n) => [String(n), String(n)]),
        `1 = ${STRINGS.ratingLow}, 5 = ${STRINGS.ratingHigh}`);
      return { node, read: () => node.querySelector('input:checked')?.value ?? '' };
    }
    if (q.kind === 'yes_no') {
      const node = radioGroup(q.text, name, [['yes', STRINGS.yes], ['no', STRINGS.no]]);
      return { node, read: () => node.querySelector('input:checked')?.value ?? '' };
    }
    const id = `survey-${++fieldIds}`;
    const hintId = `${id}-hint`;
    const area = el('textarea', { className: 'rd-textarea box__survey-comment', id, rows: 2, maxLength: COMMENT_MAX });
    area.setAttribute('aria-describedby', hintId);
    const node = el('div', { className: 'box__survey-q rd-field' },
      el('label', { htmlFor: id, textContent: q.text }), area,
      el('p', { className: 'rd-hint', id: hintId, textContent: STRINGS.commentHint }));
    return { node, read: () => area.value };
  });
}

/**
 * Ask the server for chat `chat`'s survey and, when there are questions not
 * yet answered, show them in `panel` before `before` (a child of panel).
 * Resolves with the survey's element (remove() takes it away), or null.
 * `onClose` is called when the patron skips (the thank-you keeps the focus).
 */
export async function showSurvey(panel, before, chat, { onClose } = {}) {
  const got = await call('GET', chat);
  if (!got.ok || !got.data?.questions?.length || got.data.answered) return null;
  const questions = got.data.questions.filter((q) => KINDS.includes(q.kind)).slice(0, 3);
  if (!questions.length) return null;

  const headingId = `survey-heading-${++fieldIds}`;
  const form = el('form', { className: 'box__survey', noValidate: true });
  form.setAttribute('aria-labelledby', headingId);
  const controls = buildQuestions(questions);
  const error = el('p', { className: 'rd-alert', role: 'alert' });
  const send = el('button', { type: 'submit', className: 'rd-button rd-button--small', textContent: STRINGS.send });
  const skip = el('button', { type: 'button', className: 'rd-button rd-button--quiet rd-button--small', textContent: STRINGS.skip });
  form.append(
    el('h2', { className: 'box__survey-heading', id: headingId, textContent: STRINGS.heading }),
    el('p', { className: 'box__hint box__survey-intro', textContent: STRINGS.intro }),
    ...controls.map((c) => c.node), error,
    el('div', { className: 'box__survey-actions' }, send, skip));

  const finish = (text) => {
    const thanks = el('p', { className: 'box__survey-thanks', role: 'status', tabIndex: -1, textContent: text });
    form.replaceWith(thanks);
    thanks.focus();
    holder.node = thanks;
  };
  skip.addEventListener('click', () => {
    form.remove();
    onClose?.();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const picked = collectAnswers(questions, controls.map((c) => c.read()));
    if (picked.problem) {
      error.textContent = picked.problem;
      return;
    }
    send.disabled = skip.disabled = true;
    send.textContent = STRINGS.sending;
    const r = await call('POST', chat, { answers: picked.answers });
    if (r.ok) return finish(STRINGS.thanks);
    if (r.error.code === 'already_answered') return finish(STRINGS.alreadyAnswered);
    send.disabled = skip.disabled = false;
    send.textContent = STRINGS.send;
    error.textContent = surveyErrorText(r.error);
  });

  const holder = { node: form, remove: () => holder.node.remove() };
  panel.insertBefore(form, before ?? null);
  return holder;
}
