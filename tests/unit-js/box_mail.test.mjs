// box_mail: the box's checks before Leave a question and Email transcript mirror the server's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emailProblem, mailErrorText, questionProblem } from '../../web/widget/box_mail.js';

test('addresses the server takes pass; the ones it refuses are named', () => {
	for (const ok of ['pat@example.org', 'a.b+tag@sub.example.co.uk', "o'brien@example.ie", 'x@a-b.example', 'x@123.example',
		'x@example.c0m'])
		assert.equal(emailProblem(ok), null, ok);
	for (const bad of ['', 'pat', 'pat@', '@example.org', 'pat@localhost', 'pat@@example.org', '"pat"@example.org',
		'pat@example.org\r\nBcc: x@example.net', 'pat@example.org\nBcc: x@example.net', 'pa t@example.org',
		'.pat@example.org', 'pat.@example.org', 'pa..t@example.org', 'pat@-example.org', 'pat@example-.org',
		`${'p'.repeat(65)}@example.org`, `pat@${'a'.repeat(250)}.org`, 'pat@127.0.0.1', 'pat@10.0.0.1', 'pat@example.123',
		'pat@1-2.3-4'])
		assert.notEqual(emailProblem(bad), null, JSON.stringify(bad));
});

test('a question: not empty, at most 4,000 characters counted as characters', () => {
	assert.match(questionProblem('  \n '), /write your question/);
	assert.equal(questionProblem('é'.repeat(4000)), null);
	assert.match(questionProblem('q'.repeat(4001)), /4,000/);
});

test("the server's refusals become the patron's words", () => {
	assert.match(mailErrorText({ code: 'already_sent' }), /already/);
	assert.match(mailErrorText({ code: 'too_large' }), /too long to send by email.*Save transcript/);
	assert.match(mailErrorText({ code: 'network' }), /connection/);
	assert.equal(mailErrorText({ code: 'rate_limited', message: 'Wait.' }), 'Please wait a while before sending another.');
});
