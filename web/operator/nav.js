// nav.js: where the operator pages may send the browser. Pure.

/**
 * The page to go to after sign-in: `next` when it is a path on this site
 * (starts with one "/", no scheme, no "//" or "\" trick that a browser would
 * read as another host), else /staff.
 */
export function safeNext(next) {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return '/staff';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/staff';
  if (/[\u0000-\u001f\\]/.test(next)) return '/staff';
  if (next.startsWith('/staff/signin')) return '/staff';
  return next;
}
