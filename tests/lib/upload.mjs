// upload.mjs: the one way the integration and browser tests send a snapshot or a file
// (POST /api/chats/{chat}/uploads, docs/PROTOCOL.md §2.6) — as a guest, an operator or nobody.
//
// The caller says who sends (a chat from openChat()/startChat() carries its guest `token`; a
// session from srv.session()/signIn() its `cookie` and `csrf`; null sends no credentials) and
// which headers differ from an image upload; the answer comes back whole, whatever its status,
// so that refusals read as plainly as successes.

import assert from 'node:assert/strict';

const UPLOAD_TIMEOUT_MS = 20000;

/**
 * POST `body` (a Buffer or string) to the uploads of `chat` on `srv` (anything with a `url`).
 * `who`: {token} for the chat's guest, {cookie, csrf} for an operator, or null for nobody.
 * Options:
 *   headers    more request headers, applied last (`x-upload-kind` is `image` unless given)
 *   timeoutMs  how long the whole request may take (default 20 s); past it the promise rejects
 * Resolves with {status, headers, text, json, ms}: json is null unless the body parses, ms is
 * the time the request took. Never rejects on an error status.
 */
export async function upload(srv, who, chat, body, { headers = {}, timeoutMs = UPLOAD_TIMEOUT_MS } = {}) {
	const h = { 'x-upload-kind': 'image' };
	if (who?.token)
		h.authorization = `Bearer ${who.token}`;
	if (who?.cookie) {
		h.cookie = who.cookie;
		h['x-csrf-token'] = who.csrf;
	}
	Object.assign(h, headers);
	const t = performance.now();
	const res = await fetch(`${srv.url}/api/chats/${chat}/uploads`, {
		method: 'POST', headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON: json stays null */ }
	return { status: res.status, headers: res.headers, text, json, ms: performance.now() - t };
}

/** upload(), and fail the calling test unless the answer is 200; resolves with its JSON. */
export async function uploadOk(srv, who, chat, body, opts) {
	const r = await upload(srv, who, chat, body, opts);
	assert.equal(r.status, 200, `upload to ${chat}: ${r.status} ${r.text}`);
	return r.json;
}
