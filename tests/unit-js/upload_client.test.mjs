// Tests for web/shared/upload_client.js with a fake XMLHttpRequest.
import test from 'node:test';
import assert from 'node:assert/strict';
import { sendUpload, uploadWithRetry, isTransient } from '../../web/shared/upload_client.js';

/** A fake XHR whose fate is set per instance by `script` (called on send). */
function fakeXhr(script) {
  const made = [];
  class FakeXhr {
    constructor() {
      this.headers = {};
      this.listeners = {};
      this.upload = { listeners: {}, addEventListener: (t, f) => { this.upload.listeners[t] = f; } };
      made.push(this);
    }
    open(method, url) { Object.assign(this, { method, url }); }
    setRequestHeader(k, v) { this.headers[k] = v; }
    addEventListener(t, f) { this.listeners[t] = f; }
    send(body) {
      this.body = body;
      queueMicrotask(() => script(this, made.length));
    }
    progress(loaded, total) { this.upload.listeners.progress?.({ lengthComputable: true, loaded, total }); }
    answer(status, json) {
      this.status = status;
      this.responseText = JSON.stringify(json);
      this.listeners.load();
    }
    drop() { this.listeners.error(); }
  }
  return { FakeXhr, made };
}

test('an upload posts the body with its headers and reports progress', async () => {
  const { FakeXhr, made } = fakeXhr((x) => {
    x.progress(50, 200);
    x.progress(200, 200);
    x.answer(200, { type: 'ack', seq: 7, blob: 'b' });
  });
  const seen = [];
  const r = await sendUpload({ url: '/api/chats/c/uploads', body: 'BYTES', headers: { 'X-Client-Id': 'gu-1' },
    onProgress: (f) => seen.push(f), XHR: FakeXhr });
  assert.deepEqual(r, { ok: true, status: 200, data: { type: 'ack', seq: 7, blob: 'b' }, error: null });
  assert.equal(made[0].method, 'POST');
  assert.equal(made[0].body, 'BYTES');
  assert.equal(made[0].headers['X-Client-Id'], 'gu-1');
  assert.deepEqual(seen, [0.25, 1]);
});

test("the server's refusal comes back as { code, message }", async () => {
  const { FakeXhr } = fakeXhr((x) => x.answer(415, { error: { code: 'not_image', message: 'Not an image.' } }));
  const r = await sendUpload({ url: '/u', body: 'x', XHR: FakeXhr });
  assert.equal(r.ok, false);
  assert.equal(r.status, 415);
  assert.equal(r.error.code, 'not_image');
});

test('a dropped connection is tried again with the very same headers; a refusal is not', async () => {
  const { FakeXhr, made } = fakeXhr((x, n) => (n < 3 ? x.drop() : x.answer(200, { seq: 9 })));
  const waits = [];
  const r = await uploadWithRetry({ url: '/u', body: 'x', headers: { 'X-Client-Id': 'gu-9' }, XHR: FakeXhr },
    { sleep: async (ms) => waits.push(ms) });
  assert.equal(r.ok, true);
  assert.equal(made.length, 3);
  assert.deepEqual(made.map((x) => x.headers['X-Client-Id']), ['gu-9', 'gu-9', 'gu-9']);
  assert.deepEqual(waits, [1000, 3000]);

  const refused = fakeXhr((x) => x.answer(400, { error: { code: 'corrupt', message: 'Damaged.' } }));
  const r2 = await uploadWithRetry({ url: '/u', body: 'x', XHR: refused.FakeXhr }, { sleep: async () => {} });
  assert.equal(r2.error.code, 'corrupt');
  assert.equal(refused.made.length, 1);

  const gone = fakeXhr((x) => x.drop());
  const r3 = await uploadWithRetry({ url: '/u', body: 'x', XHR: gone.FakeXhr }, { tries: 2, sleep: async () => {} });
  assert.equal(r3.status, 0);
  assert.equal(r3.error.code, 'network');
  assert.equal(gone.made.length, 2);
});

test('which failures are worth another try', () => {
  assert.equal(isTransient({ status: 0, error: { code: 'network' } }), true);
  assert.equal(isTransient({ status: 0, error: { code: 'aborted' } }), false);
  assert.equal(isTransient({ status: 429 }), true);
  assert.equal(isTransient({ status: 507 }), true);
  assert.equal(isTransient({ status: 413 }), false);
});
