// error_page.js: the way back on the server's error pages
// (src/net/error_page.c). Staff links open their named tabs; a patron gets
// "Go back" where going back stays in this window, or "Close this window"
// in a pop-up the chat box opened.

import { wireStaffLinks } from './staff_tabs.js';

if (document.body.classList.contains('staff-page')) {
  wireStaffLinks();
} else {
  const framed = window.top !== window;
  const close = document.getElementById('error-close');
  const back = document.getElementById('error-back');
  if (!framed && window.opener) {
    close.hidden = false;
    close.addEventListener('click', () => window.close());
  } else if (!framed && history.length > 1) {
    // In a library's frame, "back" would move the library's page too.
    back.hidden = false;
    back.addEventListener('click', () => history.back());
  }
}
