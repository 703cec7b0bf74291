// 13-screenshare: the signaling rules of screensharing (PROTOCOL §3.7) with scripted clients:
// the whole consent flow and its record, TURN credentials, and every refusal — an offer
// without an invitation, from another chat, from the operator, an answer that would send
// media to the guest, a second share, signaling after the chat ended, candidates that would
// reveal an address under the relay-only policy. "started" is the viewer's word that a frame
// arrived, which no one else can give; a viewer that cannot connect records "failed".

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import { closeAll, show } from './lib/client.mjs';
import { guest, isAck, isError, isOk, openChat, operator, setAvailable } from './lib/flows.mjs';
import { sleep, startServer } from '../lib/server.mjs';
import { DEFAULT_INVITATION } from '../../web/shared/text.js';

const SECRET = 'test-turn-secret';
const TURN = 'turn:127.0.0.1:3478?transport=udp';
let srv;
before(async () => {
	srv = await startServer({ args: ['--turn', TURN, '--turn-secret', SECRET, '--turn-ttl', '600',
		'--stun', 'stun:127.0.0.1:3478', '--ice-policy', 'relay', '--share-invite-secs', '2', '--share-frame-secs', '3'] });
});
after(() => srv?.close()); // stop() fails the file unless the exit is clean
afterEach(() => closeAll());

const OFFER = ['v=0', 'o=- 46117 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
	'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=ice-ufrag:abcd',
	'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=sendonly', 'a=rtpmap:96 VP8/90000', ''].join('\r\n');
const ANSWER = OFFER.replace('a=sendonly', 'a=recvonly');
const RELAY = 'candidate:1 1 udp 41885695 127.0.0.1 50000 typ relay raddr 192.0.2.7 rport 61000 generation 0';
const HOST = 'candidate:2 1 udp 2122260223 192.0.2.7 61000 typ host generation 0';

const shareEvent = (chat, step) => (f) => f.type === 'event' && f.chat === chat && f.kind === 'share' &&
	(step === undefined || f.step === step);

/** A chat held by ann, with her viewer socket following it. */
async function sharedChat() {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const c = await openChat(srv, ann, 'alpha', 'Pat');
	return { ...c, ann };
}

/** Invite and return the share number. */
async function invite(op, chat, text = 'May I see your screen?') {
	const r = isOk(await op.request({ type: 'share.invite', chat, text }), 'share.invite');
	assert.ok(Number.isInteger(r.share) && r.share > 0, show(r));
	return r.share;
}

/** Invite, accept, offer, answer: a share on its way to the viewer, not yet seen. */
async function connectingShare() {
	const c = await sharedChat();
	const share = await invite(c.ann, c.chat);
	const acc = isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'accept');
	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'offer');
	await c.ann.nextOf('share.offer', c.chat);
	isOk(await c.ann.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'answer');
	await c.guest.nextOf('share.answer', c.chat);
	return { ...c, share, acc };
}

/** ... and the viewer showed its first frame: a live share. */
async function liveShare() {
	const c = await connectingShare();
	isOk(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'shown');
	await c.guest.next(shareEvent(c.chat, 'started'), 5000, 'started');
	return c;
}

function checkTurn(server, name) {
	assert.deepEqual(server.urls, [TURN]);
	const [expiry, who] = server.username.split(':');
	assert.equal(who, name);
	const left = Number(expiry) - Date.now() / 1000;
	assert.ok(left > 500 && left <= 601, `credential lasts ${left} s, not --turn-ttl 600`);
	const want = crypto.createHmac('sha1', SECRET).update(server.username).digest('base64');
	assert.equal(server.credential, want, 'the TURN password is not base64(HMAC-SHA1(secret, username))');
}

test('the whole flow: invite, accept, offer, answer, candidates, snapshot, stop — each step recorded', async () => {
	const c = await sharedChat();
	const text = 'Could I see your screen? I will only look, never click.';
	const share = await invite(c.ann, c.chat, `  ${text}\n`);

	const inv = await c.guest.next(shareEvent(c.chat, 'invited'), 5000, 'the invitation');
	assert.equal(inv.text, text, 'the invitation text is stored trimmed');
	assert.equal(inv.share, share);
	assert.equal(inv.from, 'operator');
	assert.ok(inv.expires_at > Date.now() && inv.expires_at <= Date.now() + 2500, `expires_at: ${show(inv)}`);

	const acc = isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'accept');
	assert.equal(acc.ice.policy, 'relay');
	assert.deepEqual(acc.ice.servers[0], { urls: ['stun:127.0.0.1:3478'] });
	checkTurn(acc.ice.servers[1], `g-${c.chat}`);
	await c.ann.next(shareEvent(c.chat, 'accepted'), 5000, 'accepted, at the operator');

	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'offer');
	const offer = await c.ann.nextOf('share.offer', c.chat);
	assert.equal(offer.sdp, OFFER);
	assert.equal(offer.share, share);
	checkTurn(offer.ice.servers[1], `o-${c.ann.hello.operator.id}`);

	isOk(await c.ann.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'answer');
	assert.equal((await c.guest.nextOf('share.answer', c.chat)).sdp, ANSWER);
	// Offered and answered is not yet seen: "started" waits for the viewer's first frame.
	await c.ann.none(shareEvent(c.chat, 'started'), 200, 'started before any frame');
	const shown = isOk(await c.ann.request({ type: 'share.shown', chat: c.chat, share }), 'shown');
	assert.ok(Number.isInteger(shown.seq), show(shown));
	const started = await c.guest.next(shareEvent(c.chat, 'started'), 5000, 'started');
	assert.equal(started.from, 'guest');

	// Candidates pass both ways; the related address (the sender's own) is wiped.
	c.guest.send({ type: 'share.ice', chat: c.chat, share, candidate: RELAY, mid: '0', mline: 0 });
	const ice = await c.ann.nextOf('share.ice', c.chat);
	assert.equal(ice.candidate, RELAY.replace('raddr 192.0.2.7 rport 61000', 'raddr 0.0.0.0 rport 0'));
	assert.equal(ice.mid, '0');
	assert.equal(ice.mline, 0);
	assert.ok(!JSON.stringify(ice).includes('192.0.2.7'), `the guest's address reached the operator: ${show(ice)}`);
	c.ann.send({ type: 'share.ice', chat: c.chat, share, candidate: '' });
	assert.equal((await c.guest.nextOf('share.ice', c.chat)).candidate, '');

	isOk(await c.ann.request({ type: 'share.snapshot', chat: c.chat, share }), 'snapshot');
	isOk(await c.guest.request({ type: 'share.stop', chat: c.chat, share }), 'stop');
	const stopped = await c.ann.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped');
	assert.equal(stopped.by, 'guest');

	// The consent record, in order, for anyone who reads the transcript later.
	const later = await operator(srv, 'bob');
	isOk(await later.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'join');
	await later.next(shareEvent(c.chat, 'stopped'), 5000, 'the replayed record');
	const steps = later.events(c.chat).filter((e) => e.kind === 'share').map((e) => `${e.step}/${e.from}`);
	assert.deepEqual(steps, ['invited/operator', 'accepted/guest', 'started/guest', 'snapshot/operator', 'stopped/guest']);

	// And in the downloaded transcript, in words.
	const txt = await srv.request('GET', `/api/history/${c.chat}/transcript.txt`, { session: await srv.session('ann') });
	assert.equal(txt.status, 200, txt.text);
	for (const line of [`Screen sharing: the librarian invited the guest: “${text}”`, 'Screen sharing: the guest agreed',
		'Screen sharing: the guest started sharing', 'Screen sharing: the librarian took a snapshot',
		'Screen sharing: stopped by the guest'])
		assert.ok(txt.text.includes(line), `"${line}" is not in the transcript:\n${txt.text}`);
});

test('an offer without an invitation, before acceptance, or from the operator is refused', async () => {
	const c = await sharedChat();
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share: 1, sdp: OFFER }), 'no_share', 'offer, nothing invited');
	const share = await invite(c.ann, c.chat);
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'no_share', 'offer before accepting');
	isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'accept');
	isError(await c.ann.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'not_sharer', 'an offer from the operator');
	isError(await c.guest.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'not_sharer', 'an answer from the guest');
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share: share + 1, sdp: OFFER }), 'no_share', 'a wrong share number');
	// Guests cannot invite; operators cannot answer an invitation.
	isError(await c.guest.request({ type: 'share.invite', chat: c.chat, text: 'show me yours' }), 'unknown_type');
	isError(await c.ann.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'unknown_type');
});

test('an offer that would receive, carry audio or data, or an answer that sends media is refused', async () => {
	const c = await sharedChat();
	const share = await invite(c.ann, c.chat);
	isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'accept');
	for (const [sdp, what] of [
		[OFFER.replace('a=sendonly', 'a=sendrecv'), 'a sendrecv offer'],
		[OFFER.replace('a=sendonly\r\n', ''), 'an offer without a direction'],
		[OFFER.replace('m=video', 'm=audio'), 'audio'],
		[`${OFFER}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n`, 'a data channel'],
		['hello', 'not SDP'],
		[`${OFFER}a=candidate:${HOST.slice(10)}\r\n`, 'a host candidate inside the SDP'],
		[OFFER + 'x'.repeat(17000), 'an oversized SDP'],
		[OFFER.replace('s=-', 's=\u00e9'), 'non-ASCII'],
	])
		isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp }), 'bad_sdp', what);
	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'a good offer after the bad ones');
	await c.ann.nextOf('share.offer', c.chat);
	for (const [sdp, what] of [
		[ANSWER.replace('a=recvonly', 'a=sendrecv'), 'a sendrecv answer'],
		[ANSWER.replace('a=recvonly', 'a=sendonly'), 'a sendonly answer'],
		[ANSWER.replace('a=recvonly\r\n', ''), 'an answer without a direction (sendrecv)'],
		[ANSWER.replace('a=recvonly\r\n', '').replace('t=0 0', 't=0 0\r\na=sendrecv'), 'a session-level sendrecv'],
	])
		isError(await c.ann.request({ type: 'share.answer', chat: c.chat, share, sdp }), 'bad_sdp', what);
	await c.guest.none((f) => f.type === 'share.answer', 200, 'answer passed on');
	isOk(await c.ann.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'a good answer');
});

test('candidates: host ones are refused under the relay policy; strangers cannot signal', async () => {
	const c = await liveShare();
	isError(await c.guest.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: HOST }), 'bad_candidate', 'host candidate');
	isError(await c.ann.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: HOST.replace('typ host', 'typ srflx') }), 'bad_candidate', 'srflx');
	isError(await c.guest.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: 'typ relay' }), 'bad_candidate', 'garbage');
	isError(await c.guest.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: `${RELAY} ${'x'.repeat(600)}` }), 'bad_candidate', 'oversized');
	await c.ann.none((f) => f.type === 'share.ice', 200, 'a refused candidate passed on');

	// A second operator socket of the holder, a colleague, and a second guest socket of the
	// same chat are not part of the share.
	const ann2 = await operator(srv, 'ann', 'ann-webclient');
	isError(await ann2.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: RELAY }), 'not_sharer', 'another socket of the holder');
	const bob = await operator(srv, 'bob');
	isError(await bob.request({ type: 'share.ice', chat: c.chat, share: c.share, candidate: RELAY }), 'not_holder', 'a colleague');
	isError(await bob.request({ type: 'share.invite', chat: c.chat, text: 'hi' }), 'not_holder', 'a colleague inviting');
	const g2 = await guest(srv, 'guest-2');
	isOk(await g2.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'second guest socket');
	isError(await g2.request({ type: 'share.offer', chat: c.chat, share: c.share, sdp: OFFER }), 'not_sharer', 'another guest socket offering');
});

test('another chat, another account: everything answers not_found', async () => {
	const c = await liveShare();
	const other = await guest(srv, 'stranger');
	isOk(await other.request({ type: 'chat.start', queue: 'alpha', name: 'Other' }), 'another chat');
	isError(await other.request({ type: 'share.offer', chat: c.chat, share: c.share, sdp: OFFER }), 'not_found', 'offer into a chat not joined');
	isError(await other.request({ type: 'share.stop', chat: c.chat }), 'not_found');
	const cat = await operator(srv, 'cat');
	isError(await cat.request({ type: 'share.invite', chat: c.chat, text: 'hi' }), 'not_found', 'another account inviting');
	isError(await cat.request({ type: 'share.answer', chat: c.chat, share: c.share, sdp: ANSWER }), 'not_found');
	isError(await cat.request({ type: 'share.stop', chat: c.chat }), 'not_found');
});

test('one share per chat: a second invitation while sharing is refused; re-invite after decline, blocked, unsupported', async () => {
	const c = await liveShare();
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'again' }), 'share_busy', 'a second share');
	isOk(await c.ann.request({ type: 'share.stop', chat: c.chat, share: c.share }), 'operator stops');
	const stopped = await c.guest.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped at the guest');
	assert.equal(stopped.by, 'operator');
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share: c.share, sdp: OFFER }), 'no_share', 'an offer after the stop');

	for (const [answer, reason] of [['decline', undefined], ['blocked', 'popup'], ['unsupported', 'no_api']]) {
		const share = await invite(c.ann, c.chat);
		const msg = { type: 'share.reply', chat: c.chat, share, answer };
		if (reason)
			msg.reason = reason;
		const r = isOk(await c.guest.request(msg), answer);
		assert.equal(r.ice, undefined, 'no TURN credential for a guest who did not accept');
		const ev = await c.ann.next(shareEvent(c.chat, { decline: 'declined' }[answer] || answer), 5000, answer);
		assert.equal(ev.reason, reason);
		isError(await c.guest.request({ ...msg, answer: 'accept' }), 'no_invitation', `accepting after ${answer}`);
	}
	isError(await c.guest.request({ type: 'share.reply', chat: c.chat, share: 9, answer: 'maybe' }), 'bad_message');
	isError(await c.guest.request({ type: 'share.reply', chat: c.chat, share: 9, answer: 'accept', reason: '<b>' }), 'bad_message');
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: '   ' }), 'bad_message', 'an empty invitation');
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'x'.repeat(501) }), 'too_long');
});

test('the built-in wording sent unchanged is marked stock, so the guest reads it in their language', async () => {
	const c = await sharedChat();
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'May I?', stock: 'yes' }), 'bad_message',
		'stock is true or false');
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: '', stock: true }), 'bad_message',
		'stock does not stand in for the words');
	// Other words cannot pass for the built-in ones: marked stock, the record holds the built-in wording.
	isOk(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'Show me everything.', stock: true }), 'stock');
	const ev = await c.guest.next(shareEvent(c.chat, 'invited'), 5000, 'the invitation at the guest');
	assert.equal(ev.stock, true, show(ev));
	assert.equal(ev.text, DEFAULT_INVITATION, 'the record holds what the guest is shown');
	// Withdrawn and sent again in the librarian's own words: no mark.
	isOk(await c.ann.request({ type: 'share.stop', chat: c.chat, share: ev.share }), 'withdraw');
	isOk(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'Could I look?', stock: false }), 'own words');
	const own = await c.guest.next((f) => shareEvent(c.chat, 'invited')(f) && f.share > ev.share, 5000, 'again');
	assert.equal(own.stock, undefined, show(own));
	// The stored event keeps the mark: a guest socket that joins later replays it.
	const later = await guest(srv, 'guest-later');
	isOk(await later.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'join');
	const replayed = await later.next((f) => shareEvent(c.chat, 'invited')(f) && f.share === ev.share, 5000, 'replayed');
	assert.equal(replayed.stock, true, show(replayed));
});

test('invitations expire; the record says so', async () => {
	const c = await sharedChat();
	const share = await invite(c.ann, c.chat);
	const expired = await c.guest.next(shareEvent(c.chat, 'expired'), 5000, 'the expiry');
	assert.equal(expired.from, 'system');
	const r = await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' });
	isError(r, 'no_invitation', 'accepting an expired invitation');
	await invite(c.ann, c.chat); // and the operator may invite again
});

test('the share stops when the guest leaves, the viewer closes, or the chat ends', async () => {
	let c = await liveShare();
	await c.guest.close();
	let ev = await c.ann.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped when the guest left');
	assert.deepEqual([ev.by, ev.reason], ['guest', 'left']);

	c = await liveShare();
	const watcher = await guest(srv, 'box');
	isOk(await watcher.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'join');
	await c.ann.close();
	ev = await watcher.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped when the viewer closed');
	assert.deepEqual([ev.by, ev.reason], ['operator', 'left']);

	c = await liveShare();
	isAck(await c.guest.request({ type: 'chat.end', chat: c.chat }), 'chat.end');
	ev = await c.ann.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped when the chat ended');
	assert.deepEqual([ev.by, ev.reason], ['guest', 'chat_ended']);
	const ended = await c.ann.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'ended', 5000, 'ended');
	assert.ok(ended.seq > ev.seq, 'the stop is recorded before the end');
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share: c.share, sdp: OFFER }), 'chat_ended', 'signaling after the end');
	isError(await c.ann.request({ type: 'share.invite', chat: c.chat, text: 'hi' }), 'chat_ended', 'inviting after the end');
});

test('a waiting chat cannot be shared; the operator must follow the chat to invite', async () => {
	const ann = await operator(srv, 'ann');
	await setAvailable(ann, 'alpha', true);
	const g = await guest(srv);
	const s = isOk(await g.request({ type: 'chat.start', queue: 'alpha' }), 'start');
	isError(await ann.request({ type: 'share.invite', chat: s.chat, text: 'hi' }), 'chat_waiting');
	isOk(await ann.request({ type: 'chat.accept', chat: s.chat }), 'accept');
	const other = await operator(srv, 'ann', 'ann-2');
	isError(await other.request({ type: 'share.invite', chat: s.chat, text: 'hi' }), 'bad_message', 'inviting from a socket that does not follow');
	await sleep(10);
});

test("the invitation's words come from the queue: the admin sets them, the viewer's join carries them", async () => {
	const bob = await srv.session('bob'); // the Alpha account's admin
	const words = 'Hello from Alpha! May I look at your screen?\nYou can stop at any time.';
	const set = await srv.request('POST', '/api/admin/queues/alpha', { session: bob, body: { share_invite: words } });
	assert.equal(set.status, 200, set.text);
	assert.equal(set.json.share_invite, words);
	for (const bad of ['x'.repeat(501), 'bell\u0007', 42])
		assert.equal((await srv.request('POST', '/api/admin/queues/alpha', { session: bob, body: { share_invite: bad } })).status, 400);
	const cat = await srv.session('cat'); // another account's admin
	assert.equal((await srv.request('POST', '/api/admin/queues/alpha', { session: cat, body: { share_invite: 'mine' } })).status, 404);
	const list = await srv.request('GET', '/api/admin/queues', { session: bob });
	assert.equal(list.json.queues.find((q) => q.name === 'alpha').share_invite, words, 'the bad ones changed nothing');

	const c = await sharedChat();
	const viewer = await operator(srv, 'ann', 'viewer');
	const j = isOk(await viewer.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'join');
	assert.equal(j.share_invite, words);
	const g = isOk(await c.guest.request({ type: 'chat.join', chat: c.chat, token: c.token, after: 0 }), 'guest join');
	assert.equal(g.share_invite, undefined, 'guests do not get it');

	isOk(await srv.request('POST', '/api/admin/queues/alpha', { session: bob, body: { share_invite: '' } }).then((r) => ({ type: r.status === 200 ? 'ok' : r.text })));
	const k = isOk(await viewer.request({ type: 'chat.join', chat: c.chat, after: 0 }), 'join again');
	assert.equal(k.share_invite, DEFAULT_INVITATION, "empty: the default, the very words the pages show (web/shared/text.js)");
});

test('"started" is only the viewer\'s word: nobody else can say a frame arrived', async () => {
	const c = await connectingShare();
	// The guest cannot vouch for what the librarian sees, nor report for the viewer.
	isError(await c.guest.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'unknown_type', 'the guest saying shown');
	isError(await c.guest.request({ type: 'share.failed', chat: c.chat, share: c.share, reason: 'no_frame' }), 'unknown_type', 'the guest saying failed');
	const ann2 = await operator(srv, 'ann', 'ann-webclient');
	isError(await ann2.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'not_sharer', 'another socket of the holder');
	isError(await ann2.request({ type: 'share.failed', chat: c.chat, share: c.share, reason: 'ice_failed' }), 'not_sharer', 'another socket failing it');
	const bob = await operator(srv, 'bob');
	isError(await bob.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'not_holder', 'a colleague');
	const cat = await operator(srv, 'cat');
	isError(await cat.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'not_found', 'another account');
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share + 1 }), 'no_share', 'a wrong share number');
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share, extra: 1 }), 'bad_message', 'an unknown field');
	// No frame, no snapshot of it.
	isError(await c.ann.request({ type: 'share.snapshot', chat: c.chat, share: c.share }), 'no_share', 'a snapshot before any frame');
	await c.guest.none(shareEvent(c.chat), 200, 'a step recorded by a refused report');

	isOk(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'shown');
	await c.guest.next(shareEvent(c.chat, 'started'), 5000, 'started');
	// Saying it twice records nothing twice.
	const again = isOk(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'shown again');
	assert.equal(again.seq, undefined, show(again));
	await c.guest.none(shareEvent(c.chat, 'started'), 200, 'a second started');
	isOk(await c.ann.request({ type: 'share.snapshot', chat: c.chat, share: c.share }), 'snapshot once shown');
	// Seen, then the connection broke: that is a stop, not a failure.
	isOk(await c.ann.request({ type: 'share.failed', chat: c.chat, share: c.share, reason: 'ice_failed' }), 'failed after shown');
	const ev = await c.guest.next(shareEvent(c.chat, 'stopped'), 5000, 'stopped');
	assert.deepEqual([ev.by, ev.reason], ['operator', 'connection_failed']);
});

test('a viewer that cannot connect records "failed", never "started"; the guest hears it; the share is over', async () => {
	const c = await sharedChat();
	const share = await invite(c.ann, c.chat);
	isError(await c.ann.request({ type: 'share.failed', chat: c.chat, share, reason: 'ice_failed' }), 'no_share', 'failed before the guest accepted');
	isOk(await c.guest.request({ type: 'share.reply', chat: c.chat, share, answer: 'accept' }), 'accept');
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share }), 'no_share', 'shown before any offer');
	isOk(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'offer');
	await c.ann.nextOf('share.offer', c.chat);
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share }), 'no_share', 'shown before answering');
	isOk(await c.ann.request({ type: 'share.answer', chat: c.chat, share, sdp: ANSWER }), 'answer');
	for (const reason of [undefined, 'bored', '<b>', 7])
		isError(await c.ann.request({ type: 'share.failed', chat: c.chat, share, ...(reason === undefined ? {} : { reason }) }), 'bad_message', `reason ${reason}`);
	isOk(await c.ann.request({ type: 'share.failed', chat: c.chat, share, reason: 'relay_refused' }), 'failed');
	const ev = await c.guest.next(shareEvent(c.chat, 'failed'), 5000, 'failed, at the guest');
	assert.deepEqual([ev.from, ev.by, ev.reason, ev.share], ['operator', 'operator', 'relay_refused', share]);
	// Over: no more signaling, no late "started", and a new invitation may follow.
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share }), 'no_share', 'shown after the failure');
	isError(await c.guest.request({ type: 'share.offer', chat: c.chat, share, sdp: OFFER }), 'no_share', 'an offer after the failure');
	await c.ann.next(shareEvent(c.chat, 'failed'), 5000, 'failed, at the viewer');
	const steps = c.ann.events(c.chat).filter((e) => e.kind === 'share').map((e) => e.step);
	assert.deepEqual(steps, ['invited', 'accepted', 'failed']);
	const txt = await srv.request('GET', `/api/history/${c.chat}/transcript.txt`, { session: await srv.session('ann') });
	assert.match(txt.text, /Screen sharing: connection failed, the guest's screen was never shown \(the relay refused the credentials; reported by the librarian\)/);
	assert.ok(!txt.text.includes('started sharing'), txt.text);
	const html = await srv.request('GET', `/api/history/${c.chat}/transcript.html`, { session: await srv.session('ann') });
	assert.match(html.text, /connection failed, the guest&#39;s screen was never shown/);
	await invite(c.ann, c.chat);
});

test('a viewer that reports nothing: the server records "failed" (no_frame) after --share-frame-secs', async () => {
	const c = await connectingShare();
	const ev = await c.guest.next(shareEvent(c.chat, 'failed'), 6000, 'the server giving up');
	assert.deepEqual([ev.from, ev.by, ev.reason], ['system', 'system', 'no_frame']);
	isError(await c.ann.request({ type: 'share.shown', chat: c.chat, share: c.share }), 'no_share', 'a frame too late');
	// A share that was seen has no such deadline.
	const d = await liveShare();
	await sleep(3500);
	isOk(await d.ann.request({ type: 'share.snapshot', chat: d.chat, share: d.share }), 'still live');
	await d.ann.next(shareEvent(d.chat, 'snapshot'), 5000, 'the snapshot step');
	const steps = d.ann.events(d.chat).filter((e) => e.kind === 'share').map((e) => e.step);
	assert.deepEqual(steps, ['invited', 'accepted', 'started', 'snapshot']);
});
