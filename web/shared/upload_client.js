// upload_client.js: one upload (PROTOCOL.md 2.6) over XMLHttpRequest.
//
// XMLHttpRequest rather than fetch because only it reports upload progress.
// sendUpload() never rejects: it resolves to { ok, status, data, error }
// like api.js's apiRequest(), where status 0 means the request never got an
// answer (the connection dropped). uploadWithRetry() sends again after
// such a drop, with the very same headers — the same X-Client-Id — so the
// server stores the upload once however many tries reach it.
//
// No DOM here; the XMLHttpRequest class and the timer are injected so the
// module runs under `node --test` with a fake.

/**
 * POST `body` (a Blob or File) to `url` with `headers`. `onProgress(f)` is
 * called with the fraction sent (0..1) as the body goes out.
 */
export function sendUpload({ url, body, headers = {}, onProgress = () => {},
  XHR = globalThis.XMLHttpRequest, withCredentials = false }) {
  return new Promise((resolve) => {
    const xhr = new XHR();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.withCredentials = withCredentials;
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => resolve(answer(xhr.status, xhr.responseText)));
    const dropped = () => resolve(answer(0, ''));
    xhr.addEventListener('error', dropped);
    xhr.addEventListener('timeout', dropped);
    xhr.addEventListener('abort', () => resolve({ ok: false, status: 0, data: null,
      error: { code: 'aborted', message: 'The upload was cancelled.' } }));
    xhr.send(body);
  });
}

function answer(status, text) {
  if (status === 0) {
    return { ok: false, status: 0, data: null,
      error: { code: 'network', message: 'The server could not be reached.' } };
  }
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  if (status >= 200 && status < 300) return { ok: true, status, data, error: null };
  const error = data?.error || { code: `http_${status}`, message: `The server answered ${status}.` };
  return { ok: false, status, data, error };
}

/**
 * sendUpload(), tried again after a dropped connection or a server that
 * was busy, rate-limited or could not store it, up to `tries` times with
 * growing waits. Resolves to the last answer.
 */
export async function uploadWithRetry(options, { tries = 3, delays = [1000, 3000, 8000],
  sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
  let result;
  for (let attempt = 0; attempt < tries; attempt++) {
    result = await sendUpload(options);
    if (result.ok || !isTransient(result)) return result;
    if (attempt + 1 < tries) await sleep(delays[Math.min(attempt, delays.length - 1)]);
  }
  return result;
}

/** Whether an upload's failure may pass if tried again. */
export function isTransient(result) {
  if (result.error?.code === 'aborted') return false;
  return result.status === 0 || result.status === 429 || result.status === 503 || result.status === 507;
}
