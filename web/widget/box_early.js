// box_early.js: keeps the loader's messages that arrive before box.js runs.
//
// box.js waits for its words (it imports i18n.js, which loads the
// catalogue before its importers run), while embed.js speaks as soon as
// the frame has loaded ({ type: 'refdesk:open' }), which can come first.
// This module imports nothing, so the browser runs it at once; box.js takes
// what it kept and listens itself from then on.

const early = [];
const keep = (e) => early.push(e);
window.addEventListener('message', keep);

/** The message events received so far, oldest first; stops keeping them. */
export function takeEarlyMessages() {
  window.removeEventListener('message', keep);
  return early.splice(0);
}
