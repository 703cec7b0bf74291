// followups_model: what the webclient says about follow-ups, and when it lets staff Answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerProblem, askerName, canAnswer, needsRefresh, statusText, waitingText } from '../../web/operator/followups_model.js';

test('Answer only for open or undelivered follow-ups that still have their address', () => {
	assert.equal(canAnswer({ status: 'open', has_address: true }), true);
	assert.equal(canAnswer({ status: 'not_delivered', has_address: true }), true);
	assert.equal(canAnswer({ status: 'sending', has_address: true }), false);
	assert.equal(canAnswer({ status: 'answered', has_address: false }), false);
	assert.equal(canAnswer({ status: 'expired', has_address: false }), false);
	assert.equal(canAnswer({ status: 'open', has_address: false }), false);
});

test('statuses in words; a failed mail says why', () => {
	assert.equal(statusText({ status: 'not_delivered', error: "Couldn't connect to server" }),
		"Not delivered: Couldn't connect to server");
	assert.equal(statusText({ status: 'answered' }), 'Answered by email');
	assert.equal(askerName({ name: null }), 'A patron');
	assert.equal(askerName({ name: 'Pat' }), 'Pat');
	assert.equal(waitingText(0), 'No question is waiting for an answer.');
	assert.equal(waitingText(1), '1 question is waiting for an answer.');
	assert.equal(waitingText(3), '3 questions are waiting for an answer.');
});

test('answers: not empty, at most 4,000 characters; a sending mail is polled for', () => {
	assert.match(answerProblem('   '), /Write an answer/);
	assert.equal(answerProblem('ok'), null);
	assert.match(answerProblem('x'.repeat(4001)), /4,000/);
	assert.equal(needsRefresh([{ status: 'open' }, { status: 'sending' }]), true);
	assert.equal(needsRefresh([{ status: 'answered' }]), false);
});
