// survey_view.js: a chat's survey answers in Chat History (PROTOCOL.md section 2.13): each
// question in the words that were asked, and the answer — the rating out of 5, Yes or No, the
// comment, or a note that the comment was deleted with the transcript. Hidden when the guest
// answered nothing. Built with textContent: the comment is the patron's own text.

import { h, replaceChildren } from '../shared/dom.js';
import { t } from '../shared/i18n.js';

/** The answer of `a` ({kind, question, answer}) in words. Pure. */
export function answerText(a) {
  if (a.kind === 'rating') return t('staff.survey.out_of_5', { n: a.answer });
  if (a.kind === 'yes_no') return a.answer ? t('staff.survey.yes') : t('staff.survey.no');
  return a.answer ?? t('staff.survey.deleted');
}

/** Show `answers` in `section` (its list is the section's <dl>). */
export function drawSurvey(section, answers) {
  section.hidden = !answers?.length;
  replaceChildren(section.querySelector('dl'), (answers ?? []).flatMap((a) => [
    h('dt', { text: a.question }),
    h('dd', { class: a.kind === 'comment' && a.answer === null ? 'history-survey__gone' : `history-survey__${a.kind}`,
      text: answerText(a) }),
  ]));
}
