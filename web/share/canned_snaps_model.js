// canned_snaps_model.js: the rules the sharing tool's canned snapshots
// follow on this side (PROTOCOL.md §2.8), as plain functions: is a name
// acceptable, and in what order the list reads. The server checks the same
// name rule again; this only lets the form say what is wrong before sending.

export const NAME_MAX = 40;

// Line breaks, tabs, other control characters and the invisible or
// direction-changing characters the server's text_clean_line() drops.
const UNCLEAN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]/u;

/** What is wrong with `name` as a canned snapshot's name, as a sentence, or null when nothing is. */
export function nameProblem(name) {
  if (!name) return 'Give the canned snapshot a name.';
  if (name !== name.trim()) return 'The name may not start or end with a space.';
  if ([...name].length > NAME_MAX) return `The name is over ${NAME_MAX} characters.`;
  if (UNCLEAN.test(name)) return 'The name must be one line of visible characters.';
  return null;
}

/** The entries by name (case aside), then by age, as the server lists them. */
export function byName(list) {
  return [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id - b.id);
}

/** The words for a refusal of a canned snapshot request, as the end of a sentence. */
export function cannedFailure(status, code) {
  const words = {
    not_found: 'it was deleted meanwhile.',
    forbidden: 'only the librarian who saved it, or an admin, may change it.',
    too_many: 'your library already has the most canned snapshots there may be; delete one first.',
    not_holder: 'another librarian holds this chat.',
    chat_ended: 'the chat has ended.',
    chat_waiting: 'the chat has not been accepted yet.',
    bad_request: 'the name is not acceptable.',
    csrf: 'your session changed; please reload the page.',
  };
  if (status === 0) return 'the connection dropped; please try again.';
  return words[code] || 'something went wrong; please try again.';
}
