// manage_link.js: point a link at a chat's management page
// (/staff/chat/CHAT/TOKEN), whose address only the server knows.

import { apiRequest } from '../shared/api.js';
import { staffTabName } from '../shared/staff_tabs.js';

const urls = new Map(); // chat -> its management page's path

/** Show `link` pointing at `chat`'s management page once its address is known. */
export async function showManageLink(link, chat) {
  link.hidden = true;
  link.dataset.chat = chat;
  if (!urls.has(chat)) {
    const r = await apiRequest(`/api/history/${encodeURIComponent(chat)}?events=0`);
    if (!r.ok) return;
    urls.set(chat, r.data.chat.manage_url);
  }
  if (link.dataset.chat !== chat) return; // another chat was chosen meanwhile
  link.href = urls.get(chat);
  link.target = staffTabName(urls.get(chat)) || '_blank'; // its own tab, one per chat
  link.hidden = false;
}
