// xmpp_panel.js: the "XMPP client" panel of the webclient. Links the
// operator's address (a code is sent to it and typed back here), shows
// whether they are available via XMPP, and unlinks. The wording and the
// choice of controls come from xmpp_model.js; this file only touches the DOM.

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren } from '../shared/dom.js';
import { xmppStatusText, xmppControls, jidProblem, cleanCode } from './xmpp_model.js';
import { t } from '../shared/i18n.js';

const REFRESH_MS = 15000;

export class XmppPanel {
  /** `root`: the panel's section (hidden until the server says XMPP is on); `onState(s)` hears each state. */
  constructor(root, onState = () => {}) {
    this.root = root;
    this.onState = onState;
    this.state = null;
    this.message = '';
    this.jid = h('input', { type: 'text', class: 'rd-input', id: 'xmpp-jid', autocomplete: 'off', placeholder: 'name@example.org', 'aria-label': t('staff.xmpp.address') });
    this.code = h('input', { type: 'text', class: 'rd-input', id: 'xmpp-code', autocomplete: 'one-time-code', maxLength: 12, 'aria-label': t('staff.xmpp.code_label') });
  }

  async load() {
    const r = await apiRequest('/api/xmpp');
    if (r.ok) this.state = r.data;
    this.draw();
    clearTimeout(this.timer);
    if (this.state?.enabled) this.timer = setTimeout(() => this.load(), REFRESH_MS);
  }

  async sendAddress() {
    const problem = jidProblem(this.jid.value);
    if (problem) return this.say(problem);
    const r = await apiRequest('/api/xmpp/jid', { method: 'POST', body: { jid: this.jid.value.trim() } });
    this.say(r.ok ? '' : r.error.message);
    await this.load();
    if (r.ok) this.code.focus();
  }

  async confirm() {
    const r = await apiRequest('/api/xmpp/confirm', { method: 'POST', body: { code: cleanCode(this.code.value) } });
    this.say(r.ok ? '' : r.error.message);
    if (r.ok) this.code.value = '';
    await this.load();
  }

  async unlink() {
    const r = await apiRequest('/api/xmpp/jid', { method: 'POST', body: { jid: null } });
    this.say(r.ok ? '' : r.error.message);
    await this.load();
  }

  say(text) {
    this.message = text;
    this.draw();
  }

  draw() {
    const s = this.state;
    this.root.hidden = !s?.enabled;
    this.onState(s);
    if (!s?.enabled) return;
    const c = xmppControls(s);
    const parts = [h('p', { class: 'rd-hint', id: 'xmpp-status', role: 'status', text: xmppStatusText(s) })];
    if (c.disconnected) parts.push(h('p', { class: 'rd-hint', text: t('staff.xmpp.unreachable') }));
    if (c.address) {
      if (!this.jid.value && s.jid) this.jid.value = s.jid;
      parts.push(h('form', { class: 'xmpp-form', on: { submit: (e) => { e.preventDefault(); this.sendAddress(); } } },
        this.jid, h('button', { type: 'submit', class: 'rd-button rd-button--small', id: 'xmpp-send', text: s.code_sent ? t('staff.xmpp.send_new') : t('staff.xmpp.send') })));
    }
    if (c.code) {
      parts.push(h('form', { class: 'xmpp-form', on: { submit: (e) => { e.preventDefault(); this.confirm(); } } },
        this.code, h('button', { type: 'submit', class: 'rd-button rd-button--small', id: 'xmpp-confirm', text: t('staff.xmpp.confirm') })));
    }
    if (c.unlink)
      parts.push(h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', id: 'xmpp-unlink', text: t('staff.xmpp.unlink'), on: { click: () => this.unlink() } }));
    if (this.message) parts.push(h('p', { class: 'rd-hint', role: 'alert', text: this.message }));
    replaceChildren(this.content(), ...parts);
  }

  content() {
    let el = this.root.querySelector('.xmpp-body');
    if (!el) {
      el = h('div', { class: 'xmpp-body' });
      this.root.append(el);
    }
    return el;
  }
}
