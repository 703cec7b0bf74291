// desk_settings_model.js: the admin page's "Desk" settings, checked and put into words. Pure.

/** A whole number from 0 to `max` typed in a field: { value } or { error } naming `label`. */
export function parseWhole(text, max, label) {
  const t = String(text ?? '').trim();
  if (!/^\d+$/.test(t) || Number(t) > max) return { error: `${label} must be a whole number from 0 to ${max}.` };
  return { value: Number(t) };
}

/** The account's two settings in a sentence. */
export function describeDesk(d) {
  const away = d.away_idle_mins ? `Operators go Away after ${d.away_idle_mins} idle minute${d.away_idle_mins === 1 ? '' : 's'}`
    : 'Operators never go Away by themselves';
  const limit = d.max_chats ? `and are not rung while they hold ${d.max_chats} chat${d.max_chats === 1 ? '' : 's'}.`
    : 'and are rung however many chats they hold.';
  return `${away}, ${limit}`;
}

/** A queue's quiet-chat setting in a sentence. */
export function describeQuiet(mins) {
  return mins ? `A chat nobody writes in for ${mins} minute${mins === 1 ? '' : 's'} is warned, then closed a minute later.`
    : 'Quiet chats stay open until someone ends them.';
}
