// 38-survey: the survey at the end of a chat (PROTOCOL §2.13). An admin sets a queue's questions
// (add, edit, reorder, remove, none); the chat's guest reads them with the chat's token and
// answers once the chat has ended; Chat History shows the answers with the words that were
// asked; reports count them (average rating, yes and no, comments) per account, queue and
// operator, also in the CSV; a deleted transcript takes the comment's text along while the
// figures stay. Every bad input is refused with a clear error and stores nothing: a chat still
// going on, a second survey, another chat's token or staff, a wrong kind, a rating out of range,
// an oversized comment, more answers than questions, an unknown field.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll } from './lib/client.mjs';
import { isAck, openChat, operator, setAvailable, startChat } from './lib/flows.mjs';
import { columns, startServer } from '../lib/server.mjs';

let srv;
let bob;  // an admin of Alpha Library
let cat;  // an admin of Beta Library
let ann;  // an operator socket of Alpha, available on alpha
let annId;

const QUESTIONS = [
	{ kind: 'rating', text: 'How helpful was this chat?' },
	{ kind: 'yes_no', text: 'Did you find what you needed?' },
	{ kind: 'comment', text: 'Anything else you would like to tell us?' },
];

const db = (text) => srv.sql(text).trim();
const bearer = (token) => ({ authorization: `Bearer ${token}` });
const setSurvey = (questions, queue = 'alpha', session = bob) =>
	srv.request('POST', `/api/admin/queues/${queue}/survey`, { session, body: { questions } });
const survey = (c, token = c.token) => srv.request('GET', `/api/chats/${c.chat}/survey`, { headers: bearer(token) });
const answer = (c, body, token = c.token) =>
	srv.request('POST', `/api/chats/${c.chat}/survey`, { headers: bearer(token), body });

function expectError(r, status, code, what) {
	assert.equal(r.status, status, `${what}: ${r.text}`);
	assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
	assert.ok(r.json.error.message.length > 0, `${what}: a sentence says why`);
}

/** A chat of alpha accepted by ann and ended by its guest. */
async function endedChat(name = 'Pat') {
	const c = await openChat(srv, ann, 'alpha', name);
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	return c;
}

const answerRows = () => Number(db('SELECT count(*) FROM survey_answers'));

/** Today's report (the server's zone is UTC here) with `extra` filters. */
async function report(extra = {}, csv = false) {
	const day = new Date().toISOString().slice(0, 10);
	const q = new URLSearchParams({ from: day, to: day, ...extra });
	return srv.request('GET', `/api/reports${csv ? '.csv' : ''}?${q}`, { session: bob });
}

// What the tests below had stored, to check the reports against.
const given = { surveys: 0, ratings: [], yes: 0, no: 0, comments: 0 };

before(async () => {
	srv = await startServer({ args: ['--purge-interval-secs', '1'], env: { TZ: 'UTC' } });
	bob = await srv.session('bob');
	cat = await srv.session('cat');
	ann = await operator(srv, 'ann');
	annId = ann.session.operator.id;
	await setAvailable(ann, 'alpha', true);
});

after(async () => {
	await closeAll();
	await srv?.stop();
});

test('an admin sets, reorders, edits and removes a queue\'s questions; none means no survey', async () => {
	let r = await srv.request('GET', '/api/admin/queues/alpha/survey', { session: bob });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, { queue: 'alpha', questions: [] });

	r = await setSurvey(QUESTIONS);
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.questions, QUESTIONS);
	// Reordered and edited in one save; then one removed.
	r = await setSurvey([{ ...QUESTIONS[2], text: 'Tell us more' }, QUESTIONS[0]]);
	assert.deepEqual(r.json.questions, [{ kind: 'comment', text: 'Tell us more' }, QUESTIONS[0]]);
	r = await setSurvey([QUESTIONS[0]]);
	assert.deepEqual((await srv.request('GET', '/api/admin/queues/alpha/survey', { session: bob })).json.questions,
		[QUESTIONS[0]]);
	r = await setSurvey([]);
	assert.deepEqual(r.json.questions, []);

	// A chat of a queue without questions has nothing to answer.
	const c = await endedChat();
	r = await survey(c);
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, { questions: [], ended: true, answered: false });
	expectError(await answer(c, { answers: [5] }), 409, 'no_survey', 'answers with no survey');

	// The audit log names the change, not the words.
	const audit = (await srv.request('GET', '/api/admin/audit', { session: bob })).json.entries;
	const entry = audit.find((e) => e.action === 'queue.change' && e.detail.startsWith('survey questions:'));
	assert.ok(entry, JSON.stringify(audit.slice(0, 5)));
	assert.equal(audit[0].detail, 'survey questions: none');
	assert.ok(!audit.some((e) => e.detail.includes('helpful')), 'no question words in the audit log');
});

test('bad questions are refused and change nothing; another account\'s queue is not found', async () => {
	assert.equal((await setSurvey(QUESTIONS)).status, 200);
	const cases = [
		[{ questions: [...QUESTIONS, QUESTIONS[0]] }, 'four questions'],
		[{ questions: [{ kind: 'stars', text: 'How?' }] }, 'an unknown kind'],
		[{ questions: [{ kind: 'rating', text: '' }] }, 'empty words'],
		[{ questions: [{ kind: 'rating', text: '   ' }] }, 'only spaces'],
		[{ questions: [{ kind: 'rating', text: 'Two\nlines' }] }, 'a line break'],
		[{ questions: [{ kind: 'rating', text: 'x'.repeat(201) }] }, 'over 200 characters'],
		[{ questions: [{ kind: 'rating', text: 'How?', extra: 1 }] }, 'an unknown field in a question'],
		[{ questions: [{ kind: 'rating' }] }, 'no words'],
		[{ questions: 'rating' }, 'not a list'],
		[{ questions: QUESTIONS, more: true }, 'an unknown field'],
		[{}, 'nothing'],
	];
	for (const [body, what] of cases) {
		const r = await srv.request('POST', '/api/admin/queues/alpha/survey', { session: bob, body });
		expectError(r, 400, 'bad_request', what);
	}
	assert.equal((await setSurvey([{ kind: 'rating', text: 'é'.repeat(200) }])).status, 200, '200 characters of two bytes each');
	assert.equal((await setSurvey(QUESTIONS)).status, 200);
	assert.deepEqual((await srv.request('GET', '/api/admin/queues/alpha/survey', { session: bob })).json.questions, QUESTIONS);

	expectError(await setSurvey(QUESTIONS, 'alpha', cat), 404, 'not_found', 'Beta\'s admin on alpha');
	expectError(await srv.request('GET', '/api/admin/queues/alpha/survey', { session: cat }), 404, 'not_found', 'Beta reads alpha');
	expectError(await setSurvey(QUESTIONS, 'nope'), 404, 'not_found', 'a made-up queue');
	const annSession = await srv.session('ann');
	expectError(await setSurvey(QUESTIONS, 'alpha', annSession), 403, 'forbidden', 'an operator without the admin flag');
});

test('the guest answers once after the chat ended; Chat History shows the answers with the words asked', async () => {
	assert.equal((await setSurvey(QUESTIONS)).status, 200);
	const c = await openChat(srv, ann, 'alpha', 'Sam');
	let r = await survey(c);
	assert.deepEqual(r.json, { questions: QUESTIONS, ended: false, answered: false });
	const before = answerRows();
	expectError(await answer(c, { answers: [5, true, 'Great'] }), 409, 'not_ended', 'answers while the chat goes on');
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end');

	r = await answer(c, { answers: [4, true, 'Thank you, the librarian found the article.'] });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json, { ok: true });
	given.surveys++; given.ratings.push(4); given.yes++; given.comments++;
	assert.equal(answerRows(), before + 3);
	assert.equal((await survey(c)).json.answered, true);

	// Once per chat: the same answers again, or others, change nothing.
	expectError(await answer(c, { answers: [1, false, 'Changed my mind'] }), 409, 'already_answered', 'a second survey');
	assert.equal(answerRows(), before + 3);

	// The survey was changed after the chat: history keeps the words that were asked.
	assert.equal((await setSurvey([{ kind: 'rating', text: 'New wording' }])).status, 200);
	r = await srv.request('GET', `/api/history/${c.chat}`, { session: bob });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.json.survey, [
		{ kind: 'rating', question: QUESTIONS[0].text, answer: 4 },
		{ kind: 'yes_no', question: QUESTIONS[1].text, answer: true },
		{ kind: 'comment', question: QUESTIONS[2].text, answer: 'Thank you, the librarian found the article.' },
	]);
	// Nothing ties the answers to an address: the table has no such column.
	assert.deepEqual(columns(srv, 'survey_answers'),
		['chat_id', 'pos', 'kind', 'question', 'value', 'comment', 'at']);
	assert.equal((await setSurvey(QUESTIONS)).status, 200);

	// Skipped questions: null, or fewer answers than questions; a chat without answers has an empty list.
	const d = await endedChat('Dee');
	r = await answer(d, { answers: [null, false] });
	assert.equal(r.status, 200, r.text);
	given.surveys++; given.no++;
	r = await srv.request('GET', `/api/history/${d.chat}`, { session: bob });
	assert.deepEqual(r.json.survey, [{ kind: 'yes_no', question: QUESTIONS[1].text, answer: false }]);
	const e = await endedChat('Eve');
	assert.deepEqual((await srv.request('GET', `/api/history/${e.chat}`, { session: bob })).json.survey, []);
});

test('every bad answer is refused with a clear error and stores nothing', async () => {
	assert.equal((await setSurvey(QUESTIONS)).status, 200);
	const c = await endedChat('Bad Input');
	const other = await endedChat('Other');
	const annSession = await srv.session('ann');
	const before = answerRows();

	const cases = [
		[{ answers: [5, true, 'ok', 'fourth'] }, 400, 'bad_request', 'more answers than questions'],
		[{ answers: [6] }, 400, 'bad_request', 'a rating of 6'],
		[{ answers: [0] }, 400, 'bad_request', 'a rating of 0'],
		[{ answers: [-1] }, 400, 'bad_request', 'a negative rating'],
		[{ answers: [4.5] }, 400, 'bad_request', 'a fraction'],
		[{ answers: ['5'] }, 400, 'bad_request', 'a rating as a string'],
		[{ answers: [true] }, 400, 'bad_request', 'yes for a rating'],
		[{ answers: [5, 'yes'] }, 400, 'bad_request', 'a string for yes/no'],
		[{ answers: [5, 1] }, 400, 'bad_request', 'a number for yes/no'],
		[{ answers: [5, true, 3] }, 400, 'bad_request', 'a number for a comment'],
		[{ answers: [5, true, '   '] }, 400, 'bad_request', 'a comment of spaces'],
		[{ answers: [5, true, 'a\u0007b'] }, 400, 'bad_request', 'a control character in a comment'],
		[{ answers: [5, true, 'x'.repeat(501)] }, 400, 'too_long', 'a comment of 501 characters'],
		[{ answers: [5, true, '字'.repeat(501)] }, 400, 'too_long', 'a comment of 501 characters of three bytes'],
		[{ answers: [null, null, null] }, 400, 'bad_request', 'nothing answered'],
		[{ answers: [] }, 400, 'bad_request', 'an empty list'],
		[{ answers: 5 }, 400, 'bad_request', 'not a list'],
		[{ answers: [5], email: 'pat@example.org' }, 400, 'bad_request', 'an unknown field'],
		[{}, 400, 'bad_request', 'no answers'],
	];
	for (const [body, status, code, what] of cases)
		expectError(await answer(c, body), status, code, what);
	let r = await srv.request('POST', `/api/chats/${c.chat}/survey`, { headers: { ...bearer(c.token) }, body: '[5]' });
	expectError(r, 400, 'bad_json', 'a body that is not an object');
	assert.equal(answerRows(), before, 'nothing stored');

	// Only that chat's own token: another chat's, staff (with a session), nobody, a made-up chat.
	expectError(await answer(c, { answers: [5] }, other.token), 404, 'not_found', 'another chat\'s token');
	expectError(await survey(c, other.token), 404, 'not_found', 'another chat\'s token reading');
	r = await srv.request('POST', `/api/chats/${c.chat}/survey`, { session: annSession, body: { answers: [5] } });
	expectError(r, 404, 'not_found', 'the operator who held it');
	r = await srv.request('POST', `/api/chats/${c.chat}/survey`, { body: { answers: [5] } });
	expectError(r, 404, 'not_found', 'no token');
	r = await srv.request('POST', '/api/chats/c_madeup/survey', { headers: bearer(c.token), body: { answers: [5] } });
	expectError(r, 404, 'not_found', 'a made-up chat');
	assert.equal(answerRows(), before, 'nothing stored');

	// The exact limits pass.
	r = await answer(c, { answers: [1, false, '字'.repeat(500)] });
	assert.equal(r.status, 200, r.text);
	given.surveys++; given.ratings.push(1); given.no++; given.comments++;
	r = await answer(other, { answers: [5, null, 'Lines\nand\ttabs are fine'] });
	assert.equal(r.status, 200, r.text);
	given.surveys++; given.ratings.push(5); given.comments++;
});

test('reports count the answers per kind for the account, the queue and the operator, and in the CSV', async () => {
	const avg = Math.round((given.ratings.reduce((a, b) => a + b, 0) / given.ratings.length) * 100) / 100;
	const expect = {
		surveys: given.surveys, survey_ratings: given.ratings.length,
		survey_rating_sum: given.ratings.reduce((a, b) => a + b, 0), survey_yes: given.yes, survey_no: given.no,
		survey_comments: given.comments, survey_rating_average: avg,
	};
	for (const filter of [{}, { queue: 'alpha' }, { operator: String(annId) }]) {
		const r = await report(filter);
		assert.equal(r.status, 200, r.text);
		for (const [k, v] of Object.entries(expect))
			assert.equal(r.json[k], v, `${k} with ${JSON.stringify(filter)}: ${r.text}`);
	}
	// Another operator answered none of them; Beta's account has none.
	const bobReport = await report({ operator: String(bob.operator.id) });
	assert.equal(bobReport.json.surveys, 0);
	assert.equal(bobReport.json.survey_rating_average, null);
	const beta = await srv.request('GET', `/api/reports?from=${new Date().toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`, { session: cat });
	assert.equal(beta.json.surveys, 0);

	const csv = (await report({}, true)).text;
	const rows = Object.fromEntries(csv.split('\r\n\r\n')[0].split('\r\n').map((l) => l.split(',')));
	assert.equal(rows.surveys, String(given.surveys));
	assert.equal(rows.survey_ratings, String(given.ratings.length));
	assert.equal(rows.survey_yes, String(given.yes));
	assert.equal(rows.survey_no, String(given.no));
	assert.equal(rows.survey_comments, String(given.comments));
	assert.equal(rows.survey_rating_average, avg.toFixed(2));
	// Older figures keep their rows: the survey's come after the follow-ups'.
	const names = csv.split('\r\n').map((l) => l.split(',')[0]);
	assert.ok(names.indexOf('surveys') > names.indexOf('followups_not_delivered'), names.join(' '));
});

test('retention: a deleted or purged transcript takes the comment\'s text; ratings and yes/no stay, and so do the figures', async () => {
	assert.equal((await setSurvey(QUESTIONS)).status, 200);
	const c = await endedChat('Ret');
	const secret = 'My library card number is 123456';
	assert.equal((await answer(c, { answers: [3, true, secret] })).status, 200);
	given.surveys++; given.ratings.push(3); given.yes++; given.comments++;
	const figures = (await report()).json;

	const r = await srv.request('POST', `/api/history/${c.chat}/delete`, { session: bob, body: {} });
	assert.equal(r.status, 200, r.text);
	const h = await srv.request('GET', `/api/history/${c.chat}`, { session: bob });
	assert.deepEqual(h.json.survey, [
		{ kind: 'rating', question: QUESTIONS[0].text, answer: 3 },
		{ kind: 'yes_no', question: QUESTIONS[1].text, answer: true },
		{ kind: 'comment', question: QUESTIONS[2].text, answer: null },
	]);
	assert.equal(db(`SELECT count(*) FROM survey_answers WHERE comment LIKE '%123456%'`), '0');
	const now = (await report()).json;
	for (const k of ['surveys', 'survey_ratings', 'survey_rating_sum', 'survey_yes', 'survey_no', 'survey_comments'])
		assert.equal(now[k], figures[k], `${k} stays after the transcript is deleted`);
	// Still answered once: deleting the text does not open the survey again.
	expectError(await answer(c, { answers: [5] }), 409, 'already_answered', 'after the deletion');

	// A chat whose transcript went before the guest answered: the rating is kept, the comment not.
	const d = await endedChat('Late');
	assert.equal((await srv.request('POST', `/api/history/${d.chat}/delete`, { session: bob, body: {} })).status, 200);
	assert.equal((await answer(d, { answers: [2, null, 'Too late to keep'] })).status, 200);
	given.surveys++; given.ratings.push(2); given.comments++;
	const late = await srv.request('GET', `/api/history/${d.chat}`, { session: bob });
	assert.deepEqual(late.json.survey.map((a) => a.answer), [2, null]);
	assert.equal(db(`SELECT count(*) FROM survey_answers WHERE comment LIKE '%Too late%'`), '0');

	// The queue's own rule: with 0 days of text, the server's purge takes the comment too.
	const e = await endedChat('Purged');
	assert.equal((await answer(e, { answers: [5, false, 'Purge this comment'] })).status, 200);
	given.surveys++; given.ratings.push(5); given.no++; given.comments++;
	const rule = await srv.request('POST', '/api/admin/queues/alpha/retention', { session: bob,
		body: { text_days: 0, files_days: 0, keep_names: false } });
	assert.equal(rule.status, 200, rule.text);
	const deadline = Date.now() + 10000;
	let purged;
	do {
		await new Promise((r) => setTimeout(r, 200));
		purged = (await srv.request('GET', `/api/history/${e.chat}`, { session: bob })).json;
	} while (purged.chat.deleted_at === null && Date.now() < deadline);
	assert.notEqual(purged.chat.deleted_at, null, 'the purge reached the chat');
	assert.deepEqual(purged.survey.map((a) => a.answer), [5, false, null]);
	assert.equal(db(`SELECT count(*) FROM survey_answers WHERE comment LIKE '%Purge this%'`), '0');
	const after = (await report()).json;
	assert.equal(after.surveys, given.surveys);
	assert.equal(after.survey_comments, given.comments);
	assert.equal(after.survey_rating_sum, given.ratings.reduce((a, b) => a + b, 0));
});
