// retention_model.js: the admin page's retention rules as plain data (no DOM).
//
// The server's word is final (POST /api/admin/queues/{queue}/retention answers 400 for any bad
// value); this only catches what a person typed before sending it, with a sentence that says
// what to fix, and words the hint under each queue's form.

/** Parse one days field: a whole number 0..max, or {error}. */
export function parseDays(text, max, what) {
  const t = String(text ?? '').trim();
  if (!/^\d+$/.test(t)) return { error: `${what}: a whole number of days, 0 to ${max}.` };
  const n = Number(t);
  if (n > max) return { error: `${what}: at most ${max} days.` };
  return { value: n };
}

/**
 * The body to send for a form's values, or {error}. `values` is
 * {text_days, files_days} as typed and keep_names as a boolean.
 */
export function ruleBody(values, max) {
  const text = parseDays(values.text_days, max, 'Transcript text');
  if (text.error) return text;
  const files = parseDays(values.files_days, max, 'Images and files');
  if (files.error) return files;
  return { body: { text_days: text.value, files_days: files.value, keep_names: Boolean(values.keep_names) } };
}

function days(n) {
  if (n === 0) return 'only while the chat runs';
  return n === 1 ? '1 day' : `${n} days`;
}

/** What a rule does, in one sentence for the hint under its form. */
export function describeRule(rule) {
  const files = Math.min(rule.files_days, rule.text_days);
  const parts = [`Transcript text is kept ${days(rule.text_days)}`, `images and files ${days(files)}`];
  const names = rule.keep_names ? 'guest names as long as the text' : 'guest names are not kept';
  let s = `${parts.join(', ')}; ${names}.`;
  if (rule.files_days > rule.text_days) s += ' Files never outlive the text.';
  return s;
}

/** "(the defaults)" or "saved DATE" for a queue's rule. */
export function ruleOrigin(rule) {
  return rule.updated_at ? `Saved ${new Date(rule.updated_at).toLocaleDateString()}.` : 'The defaults.';
}
