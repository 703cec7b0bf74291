// api.js: JSON over HTTP to refdesk's /api routes (PROTOCOL.md section 2).
//
// apiRequest() never throws for an HTTP error: it resolves to
// { ok, status, data, error } where error is the server's
// { code, message } (or a 'network' error when the request never arrived),
// so callers can show the sentence and branch on the code.

import { takeEarlySession } from './early_session.js';
import { t } from './i18n.js';

let csrfToken = null;

/** Remember the session's CSRF token for later state-changing requests. */
export function setCsrf(token) {
  csrfToken = token;
}

/** The session's CSRF token (null before loadSession()), for uploads. */
export function csrf() {
  return csrfToken;
}

/**
 * `sent`, when given, is the response promise of this same request already
 * under way (early_session.js), resolving null when it failed.
 */
export async function apiRequest(path, { method = 'GET', body, sent } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let res;
  try {
    res = (sent && await sent) || await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null,
      error: { code: 'network', message: t('staff.api.network') } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.ok) return { ok: true, status: res.status, data, error: null, headers: res.headers };
  const error = data?.error || { code: `http_${res.status}`, message: t('staff.api.status', { status: String(res.status) }) };
  return { ok: false, status: res.status, data, error, headers: res.headers };
}

/** GET /api/session: resolves to { operator, csrf } or null when signed out. */
export async function loadSession() {
  const r = await apiRequest('/api/session', { sent: takeEarlySession() });
  if (!r.ok) return r.status === 401 ? null : Promise.reject(r.error);
  setCsrf(r.data.csrf);
  return r.data;
}

/** The sign-in page's URL that comes back to the current page afterwards. */
export function signinUrl(loc = globalThis.location) {
  return `/staff/signin?next=${encodeURIComponent(loc.pathname + loc.search)}`;
}

/**
 * A staff page's first step: the session, or — without one — off to sign
 * in (and back here afterwards), resolving null. undefined when the server
 * could not be asked; the page's socket tells the rest.
 */
export async function sessionOrSignIn() {
  let session;
  try {
    session = await loadSession();
  } catch {
    session = undefined;
  }
  if (session === null) globalThis.location.replace(signinUrl());
  return session;
}

/** POST /api/session/end, then go to the sign-in page. */
export async function signOut() {
  await apiRequest('/api/session/end', { method: 'POST', body: {} });
  globalThis.location.assign('/staff/signin');
}
