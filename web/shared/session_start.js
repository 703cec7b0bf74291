// session_start.js: a staff page's GET /api/session, and its WebSocket, sent
// while the page is still arriving. The server puts this file inside the
// page's head (it is marked data-inline there, and its hash joins the
// page's script-src), so the request leaves as soon as the head is parsed:
// before the stylesheets, and long before the page's script bundle has come
// down a slow line. A classic script, not a module: it must run at once, and
// modules cannot be inline under the page's policy.
//
// <html data-session> asks for the session; early_session.js hands the
// response on. <html data-session="socket"> (the webclient, the sharing
// tool) also opens the page's socket once the session is known to be good,
// keeping the frames that arrive before the page's script takes it over
// (RdSocket's `early` option). Unless the page's script has already started
// its own: it marks window.refdeskSocket taken (null) when it starts.
//
// An operator's open socket is an operator at the desk (the server may ring
// them), so a socket nobody takes over must not stay: if the page's script
// has not taken it within 20 s (it never arrived, or the page stopped
// early), or more frames wait than a page that is starting ever gets, it is
// closed and forgotten; a script that comes later opens its own.
(() => {
  const html = document.documentElement;
  if (!html.hasAttribute('data-session')) return;
  const sent = fetch('/api/session', {
    headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
  }).catch(() => null);
  window.refdeskSession = sent;
  if (html.dataset.session !== 'socket') return;
  sent.then((r) => {
    if (!r || !r.ok || window.refdeskSocket !== undefined) return;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`);
    const frames = [];
    const early = { ws, frames };
    const drop = () => {
      if (window.refdeskSocket !== early) return; // taken over: the page's now
      window.refdeskSocket = undefined;
      ws.close(1000);
    };
    ws.onmessage = (e) => {
      frames.push(e.data);
      if (frames.length > 500) drop();
    };
    window.refdeskSocket = early;
    setTimeout(drop, 20000);
  });
})();
