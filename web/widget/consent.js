// consent.js: the small window an embedded chat box opens when its frame
// may not capture the screen (/box/{queue}?mode=consent&chat=…&share=…).
//
// It asks the box that opened it (same origin, postMessage) for the chat's
// token, joins the chat with its own socket, shows the invitation again and
// captures from here when the guest agrees. It closes itself when the share
// ends, when the guest says no, and when the chat box goes away.

import { t } from '../shared/i18n.js';
import { RdSocket } from '../shared/rd_socket.js';
import { h, replaceChildren } from '../shared/dom.js';
import { GuestShare } from './share_guest.js';

const params = new URLSearchParams(location.search);
const chatId = params.get('chat') || '';
const socket = new RdSocket();
let record = null;
let share = null;

function page(...children) {
  document.title = t('consent.document_title');
  replaceChildren(document.body, h('main', { class: 'consent' },
    h('h1', { class: 'consent__title' }, t('consent.title')), ...children));
}

function problem(text) {
  const close = h('button', { type: 'button', class: 'rd-button rd-button--quiet' }, t('box.close_window'));
  close.addEventListener('click', () => window.close());
  page(h('p', { class: 'consent__text', role: 'alert' }, text), close);
}

function start(data) {
  record = { chat: data.chat, token: data.token };
  const panel = h('div', { class: 'rd-share consent__panel', role: 'region', 'aria-label': t('share.region') });
  page(panel);
  share = new GuestShare({ panel, socket, chat: () => record, onDone: () => setTimeout(() => window.close(), 300) });
  socket.on('event', (ev) => {
    if (ev.chat !== record.chat) return;
    if (ev.kind === 'share') {
      share.onEvent(ev);
      // Declined, stopped or expired: nothing more for this window to do.
      if (['declined', 'stopped', 'failed', 'expired', 'withdrawn', 'blocked'].includes(ev.step) && ev.share === data.share)
        setTimeout(() => window.close(), ev.step === 'failed' ? 6000 : 1500);
    }
    if (ev.kind === 'notice' && ev.notice === 'ended') {
      share.end();
      window.close();
    }
  });
  socket.on('frame', (msg) => {
    if ((msg.type === 'share.answer' || msg.type === 'share.ice') && msg.chat === record.chat) share.onFrame(msg);
  });
  socket.start();
  socket.follow(record.chat, { token: record.token, after: 0 })
    .catch(() => problem(t('consent.gone')));
}

function init() {
  if (!window.opener || !/^[A-Za-z0-9_-]{1,80}$/.test(chatId)) {
    problem(t('consent.from_box'));
    return;
  }
  page(h('p', { class: 'consent__text' }, t('consent.loading')));
  window.addEventListener('message', (e) => {
    if (e.source !== window.opener || e.origin !== location.origin || record) return;
    const d = e.data;
    if (d?.type === 'refdesk:consent' && d.chat === chatId && typeof d.token === 'string') start(d);
  });
  window.opener.postMessage({ type: 'refdesk:consent-hello', chat: chatId }, location.origin);
  // The chat box went away (closed, or the guest left the page): so does the share.
  setInterval(() => {
    if (!window.opener || window.opener.closed) {
      share?.end();
      window.close();
    }
  }, 1000);
}

init();
