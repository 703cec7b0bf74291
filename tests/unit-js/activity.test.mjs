// activity.js: keys, clicks and focus on a staff page are reported over its socket, at most
// once every 30 seconds, so the sharing tool and the management page keep their librarian
// from going Away by idle as the webclient does.

import assert from 'node:assert/strict';
import { test } from 'node:test';

test('keys, clicks and focus are reported, at most once every 30 seconds', async (t) => {
	globalThis.window = new EventTarget();
	t.after(() => { delete globalThis.window; });
	t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
	const { reportActivityOver } = await import('../../web/shared/activity.js');
	const sent = [];
	reportActivityOver({ post: (msg) => sent.push(msg) });

	window.dispatchEvent(new Event('mousemove'));
	assert.equal(sent.length, 0, 'a mouse move is no activity');
	window.dispatchEvent(new Event('keydown'));
	assert.deepEqual(sent, [{ type: 'activity' }]);
	window.dispatchEvent(new Event('pointerdown'));
	t.mock.timers.tick(29_999);
	window.dispatchEvent(new Event('focus'));
	assert.equal(sent.length, 1, 'within 30 s: one message');
	t.mock.timers.tick(1);
	window.dispatchEvent(new Event('pointerdown'));
	assert.equal(sent.length, 2, 'after 30 s: the next');
});
