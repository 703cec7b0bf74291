// box_survey.js and survey_model.js, the pure parts: which answers the box sends for what the
// form holds (skipped questions, trailing ones left off, line breaks as LF, the 500-character
// limit counted in characters, nothing answered), the patron's words for the server's refusals,
// and the admin page's edits of a queue's questions with the checks the server makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMENT_MAX, STRINGS, collectAnswers, surveyErrorText } from '../../web/widget/box_survey.js';
import { addQuestion, moveQuestion, removeQuestion, surveyBody, SURVEY_MAX } from '../../web/operator/survey_model.js';

const Q = [{ kind: 'rating', text: 'How?' }, { kind: 'yes_no', text: 'Found?' }, { kind: 'comment', text: 'More?' }];

test('the answers follow the questions; skipped ones are null and trailing ones left off', () => {
  assert.deepEqual(collectAnswers(Q, ['4', 'yes', 'Thanks']), { answers: [4, true, 'Thanks'] });
  assert.deepEqual(collectAnswers(Q, ['', 'no', '']), { answers: [null, false] });
  assert.deepEqual(collectAnswers(Q, ['', '', 'Only this']), { answers: [null, null, 'Only this'] });
  assert.deepEqual(collectAnswers(Q, ['5']), { answers: [5] });
  assert.deepEqual(collectAnswers(Q, ['', '', 'a\r\nb\rc']), { answers: [null, null, 'a\nb\nc'] });
});

test('nothing answered, a made-up rating or a long comment is refused in words', () => {
  assert.deepEqual(collectAnswers(Q, ['', '', '   ']), { problem: STRINGS.nothingAnswered });
  assert.deepEqual(collectAnswers(Q, ['6', 'maybe', '']), { problem: STRINGS.nothingAnswered });
  assert.deepEqual(collectAnswers(Q, ['', '', 'x'.repeat(COMMENT_MAX + 1)]), { problem: STRINGS.commentTooLong });
  // Characters, not UTF-16 units: 500 emoji pass.
  assert.deepEqual(collectAnswers(Q, ['', '', '🙂'.repeat(COMMENT_MAX)]).answers.length, 3);
});

test('the server\'s refusals read as sentences', () => {
  assert.equal(surveyErrorText({ code: 'already_answered' }), STRINGS.alreadyAnswered);
  assert.equal(surveyErrorText({ code: 'network' }), STRINGS.network);
  assert.equal(surveyErrorText({ code: 'http_500' }), STRINGS.failed);
  for (const v of Object.values(STRINGS)) assert.equal(typeof v, 'string');
});

test('the admin page adds, moves and removes questions, at most three', () => {
  let list = [];
  for (let i = 0; i < 5; i++) list = addQuestion(list);
  assert.equal(list.length, SURVEY_MAX);
  list = list.map((q, i) => ({ ...q, text: `Q${i}` }));
  assert.deepEqual(moveQuestion(list, 2, -1).map((q) => q.text), ['Q0', 'Q2', 'Q1']);
  assert.deepEqual(moveQuestion(list, 0, -1).map((q) => q.text), ['Q0', 'Q1', 'Q2']);
  assert.deepEqual(moveQuestion(list, 2, 1).map((q) => q.text), ['Q0', 'Q1', 'Q2']);
  assert.deepEqual(removeQuestion(list, 1).map((q) => q.text), ['Q0', 'Q2']);
  assert.equal(list.length, 3, 'edits return new lists');
});

test('the admin page checks the questions as the server does', () => {
  assert.deepEqual(surveyBody([{ kind: 'rating', text: '  How? ' }]), { body: { questions: [{ kind: 'rating', text: 'How?' }] } });
  assert.deepEqual(surveyBody([]), { body: { questions: [] } });
  assert.match(surveyBody([{ kind: 'rating', text: ' ' }]).error, /^Question 1: write the question/);
  assert.match(surveyBody([Q[0], { kind: 'stars', text: 'x' }]).error, /^Question 2: choose its kind/);
  assert.match(surveyBody([{ kind: 'comment', text: 'a\nb' }]).error, /one line/);
  assert.match(surveyBody([{ kind: 'comment', text: 'é'.repeat(201) }]).error, /at most 200/);
  assert.ok(surveyBody([{ kind: 'comment', text: 'é'.repeat(200) }]).body);
  assert.match(surveyBody([...Q, Q[0]]).error, /at most 3/);
});
