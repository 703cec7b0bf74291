// open_share.js: open the sharing tool for a chat in its own window (one
// window per chat: opening it again brings that window forward).

/**
 * Open (or bring forward) the sharing tool window of `chatId`. Returns the
 * window, or null when a pop-up blocker stopped it.
 */
export function openSharingTool(chatId) {
  const win = window.open(`/staff/share/${encodeURIComponent(chatId)}`, `refdesk-share-${chatId}`);
  if (win) win.focus();
  return win;
}
