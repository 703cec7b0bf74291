// staff_tabs.js: staff pages open each other in tabs of their own.
//
// Each staff page has a tab name: the webclient, Chat History, the admin
// page, the board, and one per chat for its management page and its sharing tool.
// Links carry that name as their target, so even without script a second
// press lands in the same tab. With script, a press first looks for that
// tab among the ones this page opened and up its openers: one already
// showing that page is only brought forward, not reloaded (the webclient
// keeps ringing, a live share keeps running); any other is pointed at the
// link's address. Presses with a modifier key or
// the middle button are the browser's own.

/** The tab name of a staff page's path, or null for pages that have none. Pure. */
export function staffTabName(pathname) {
  if (pathname === '/staff' || pathname === '/staff/') return 'refdesk-webclient';
  if (pathname === '/staff/history') return 'refdesk-history';
  if (pathname === '/staff/admin') return 'refdesk-admin';
  if (pathname === '/staff/reports') return 'refdesk-reports';
  if (pathname === '/staff/board') return 'refdesk-board';
  const m = /^\/staff\/(chat|share)\/([A-Za-z0-9_-]{1,80})(\/[A-Za-z0-9_-]+)?$/.exec(pathname);
  if (m && (m[1] === 'chat') === Boolean(m[3])) return `refdesk-${m[1]}-${m[2]}`;
  return null;
}

/**
 * Whether a tab now at `current` (a URL) should be left as it is when asked
 * for `wanted`: the same page, and the link asks for no particular query
 * or the same one. Pure.
 */
export function showsAlready(current, wanted) {
  if (current.origin !== wanted.origin || current.pathname !== wanted.pathname) return false;
  return !wanted.search || current.search === wanted.search;
}

const opened = new Map(); // tab name -> the window this page opened under it

/**
 * The open tab named `name` that this page can reach: one it opened, or
 * one up its chain of openers (Chat History opened from the webclient finds
 * the webclient). Null when there is none, or it cannot be read.
 */
function reachableTab(name) {
  const mine = opened.get(name);
  if (mine && !mine.closed) return mine;
  try {
    for (let w = window.opener, hops = 0; w && hops < 8; w = w.opener, hops++)
      if (!w.closed && w.name === name) return w;
  } catch {
    // an opener of another origin: not ours
  }
  return null;
}

/**
 * Open `url` in its staff page's named tab, or bring that tab forward.
 * Returns the tab's window, or null when a pop-up blocker stopped it.
 */
export function openStaffPage(url) {
  const wanted = new URL(url, location.href);
  const name = staffTabName(wanted.pathname);
  if (!name) {
    location.assign(wanted.href);
    return window;
  }
  if (window.name === name) {
    // This very tab: a link to itself reloads only when it asks for something else.
    if (!showsAlready(new URL(location.href), wanted)) location.assign(wanted.href);
    return window;
  }
  let win = reachableTab(name);
  if (win) {
    let current = null;
    try {
      current = new URL(win.location.href);
    } catch {
      current = null; // not ours to read: send it to the page
    }
    if (!current || !showsAlready(current, wanted)) win.location.href = wanted.href;
  } else {
    // A tab of that name that this page cannot reach is still found by the browser, by name.
    win = window.open(wanted.href, name);
    if (!win) return null;
    opened.set(name, win);
  }
  win.focus();
  return win;
}

/** Give every staff link under `root` its tab name, and open them through openStaffPage. */
export function wireStaffLinks(root = document) {
  for (const a of root.querySelectorAll('a[href^="/staff"]')) {
    const name = staffTabName(new URL(a.href, location.href).pathname);
    if (name) a.target = name;
  }
  root.addEventListener('click', (e) => {
    const a = e.target.closest?.('a[href^="/staff"]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const name = staffTabName(new URL(a.href, location.href).pathname);
    if (!name) return;
    e.preventDefault();
    openStaffPage(a.href);
  });
}

/** Name this tab after the staff page it shows, so other staff pages find it. */
export function nameThisTab() {
  const name = staffTabName(location.pathname);
  if (name && !window.name) window.name = name;
}
