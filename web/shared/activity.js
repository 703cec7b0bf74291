// activity.js: tells the server that the librarian is at work on a staff page.
//
// The idle minutes that set an operator Away (PROTOCOL §3.5, `activity`)
// count from their last key, click or focus on any staff page with a socket:
// the webclient, and also the sharing tool and a chat's management page,
// where one can annotate or watch a screen for a long time without a word.
// At most one message every 30 seconds.

const EVERY_MS = 30000;

/** Report keys, clicks and focus on this page over `socket` (an RdSocket). */
export function reportActivityOver(socket) {
  let sent = 0;
  const report = () => {
    const now = Date.now();
    if (now - sent < EVERY_MS) return;
    sent = now;
    socket.post({ type: 'activity' });
  };
  for (const type of ['keydown', 'pointerdown', 'focus'])
    window.addEventListener(type, report, { capture: true, passive: true });
}
