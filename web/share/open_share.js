// open_share.js: open the sharing tool for a chat in its own window (one
// window per chat: opening it again brings that window forward, without
// reloading it, so a live share keeps running).

import { openStaffPage } from '../shared/staff_tabs.js';

/**
 * Open (or bring forward) the sharing tool window of `chatId`. Returns the
 * window, or null when a pop-up blocker stopped it.
 */
export function openSharingTool(chatId) {
  return openStaffPage(`/staff/share/${encodeURIComponent(chatId)}`);
}
