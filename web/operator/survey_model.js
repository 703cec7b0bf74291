// survey_model.js: the admin page's survey questions as plain data (no DOM): the kinds a
// question may be, the checks the server makes (PROTOCOL.md section 2.13), and the edits the
// Survey section offers — add, remove, move up or down. Every function returns a new list.

import { t } from '../shared/i18n.js';

export const SURVEY_MAX = 3;
export const QUESTION_MAX = 200;
export const KINDS = [
  { kind: 'rating', label: t('staff.survey.rating') },
  { kind: 'yes_no', label: t('staff.survey.yes_no') },
  { kind: 'comment', label: t('staff.survey.comment') },
];

/** The list with a new empty question of `kind` at the end (unchanged when full). */
export function addQuestion(list, kind = 'rating') {
  return list.length >= SURVEY_MAX ? list.slice() : [...list, { kind, text: '' }];
}

export function removeQuestion(list, i) {
  return list.filter((_, k) => k !== i);
}

/** The list with question `i` moved by `by` (-1 up, +1 down); unchanged past either end. */
export function moveQuestion(list, i, by) {
  const j = i + by;
  const next = list.slice();
  if (j < 0 || j >= list.length) return next;
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/**
 * The body for POST /api/admin/queues/{queue}/survey from `list`, or { error } in words
 * naming the question (numbered from 1) that the server would refuse.
 */
export function surveyBody(list) {
  if (list.length > SURVEY_MAX) return { error: t('staff.survey.too_many', { max: SURVEY_MAX }) };
  const questions = [];
  for (const [i, q] of list.entries()) {
    const text = q.text.trim();
    if (!KINDS.some((k) => k.kind === q.kind)) return { error: t('staff.survey.no_kind', { n: i + 1 }) };
    if (!text) return { error: t('staff.survey.no_text', { n: i + 1 }) };
    if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text)) return { error: t('staff.survey.one_line', { n: i + 1 }) };
    if ([...text].length > QUESTION_MAX) return { error: t('staff.survey.too_long', { n: i + 1, max: QUESTION_MAX }) };
    questions.push({ kind: q.kind, text });
  }
  return { body: { questions } };
}

/** One line about a saved survey, for the status. */
export function describeSurvey(questions) {
  if (!questions.length) return t('staff.survey.none');
  return t('staff.survey.count', { count: questions.length });
}
