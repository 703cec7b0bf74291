// 41-cluster-quiet: a quiet chat ends once across nodes (chat/tidiness.h; docs/OPERATIONS.md,
// "Running several nodes"): by the node with its librarian's socket, by one of two when the
// librarian has sockets on both, and by the node running the shared duties when the librarian
// has left every node. Two nodes, "minutes" of one second (--tidy-minute-secs 1), the queue's
// quiet chats ending after one.
//
// Like 40-cluster it starts PostgreSQL and NATS of its own: it runs once, in the SQLite pass.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAll } from './lib/client.mjs';
import { startCluster } from './lib/cluster.mjs';
import { isOk, operator, setAvailable, startChat } from './lib/flows.mjs';
import { onPostgres, sleep } from '../lib/server.mjs';

const skip = onPostgres && 'runs once, in the SQLite pass: it starts a PostgreSQL cluster and NATS of its own';
let cl;
let A, B;

before(async () => {
	if (skip)
		return;
	cl = await startCluster({ n: 2, operators: ['bob'], args: ['--tidy-minute-secs', '1'] });
	[A, B] = cl.nodes;
	cl.psql(`INSERT INTO desk_queues(queue_id, idle_end_mins) SELECT id, 1 FROM queues WHERE name = 'ask'`);
});

after(async () => {
	await closeAll();
	await cl?.stop();
});

const ends = (chat) => cl.psql(`SELECT count(*) FROM events e JOIN chats c ON c.id = e.chat_id
	WHERE c.public_id = '${chat}' AND e.body LIKE '%"ended"%'`);
const status = (chat) => cl.psql(`SELECT status FROM chats WHERE public_id = '${chat}'`);

/** A chat from a guest on A, taken by Bob on B; `then(bob)` before it goes quiet. */
async function quietChat(then) {
	const bob = await operator(B, 'bob');
	await setAvailable(bob, 'ask', true);
	for (let i = 0; i < 100 && !(await (await fetch(`${A.url}/api/queues/ask`)).json()).online; i++)
		await sleep(50);
	const c = await startChat(A, 'ask', 'Pat');
	await bob.next((f) => f.type === 'chat.offer' && f.chat === c.chat, 5000, 'the offer on B');
	isOk(await bob.request({ type: 'chat.accept', chat: c.chat }), 'chat.accept');
	await then(bob);
	for (let i = 0; i < 200 && status(c.chat) !== '2'; i++)
		await sleep(100);
	await sleep(1500); // a second end, if one came, would be stored by now
	return c;
}

test('a quiet chat whose librarian is on B ends once', { skip, timeout: 60000 }, async () => {
	const c = await quietChat(async () => {});
	assert.equal(status(c.chat), '2');
	assert.equal(ends(c.chat), '1');
	await c.guest.next((f) => f.type === 'event' && f.chat === c.chat && f.notice === 'ended', 5000, 'the end on A');
	await closeAll();
});

test('a quiet chat whose librarian has sockets on both nodes ends once', { skip, timeout: 60000 }, async () => {
	const c = await quietChat(async () => { await operator(A, 'bob', 'bob on A'); await sleep(2500); });
	assert.equal(status(c.chat), '2');
	assert.equal(ends(c.chat), '1');
	await closeAll();
});

test('a quiet chat whose librarian has left every node still ends, once', { skip, timeout: 60000 }, async () => {
	const c = await quietChat(async (bob) => { await bob.close(); });
	assert.equal(status(c.chat), '2', 'ended by the node that runs the shared duties');
	assert.equal(ends(c.chat), '1');
	await closeAll();
});
