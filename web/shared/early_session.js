// early_session.js: a staff page's GET /api/session, sent the moment the
// page's scripts start.
//
// i18n.js holds every module that imports it until the catalogue is in
// (top-level await), and a page asked for its session only after that: one
// more round trip before the desk could draw. A page that needs a session
// says so with `data-session` on its <html> and imports this module first
// (it imports nothing, so it runs before i18n.js waits, also bundled);
// loadSession() (api.js) takes the response from here the first time.
//
// Sooner still: the page's head carries session_start.js inline, which
// sends the request while the page is parsed; this module takes that one
// when it is there (window.refdeskSession) and sends its own otherwise.

let pending = typeof document !== 'undefined' && document.documentElement.hasAttribute('data-session')
  ? globalThis.refdeskSession || fetch('/api/session', {
    headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
  }).catch(() => null)
  : null;

/** The response promise started at load (null on failure), once; then null. */
export function takeEarlySession() {
  const p = pending;
  pending = null;
  return p;
}
