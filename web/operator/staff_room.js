// staff_room.js: the webclient's staff room, one conversation among the
// account's signed-in librarians (PROTOCOL §3.10), in a panel of the side
// column. The panel opens and closes with its heading button; while it is
// closed (or the window is in the background) colleagues' new messages
// count on the heading's badge, as unread chats do. The message field
// sends on Enter (Shift+Enter: a new line). RoomModel (staff_model.js)
// keeps the messages and the count; this file draws them.

import { h, replaceChildren, timeElement } from '../shared/dom.js';
import { RoomModel, staffTextProblem, STAFF_TEXT_MAX } from '../shared/staff_model.js';
import { newId } from '../shared/text.js';
import { t } from '../shared/i18n.js';

export class StaffRoom {
  /**
   * `els`: {toggle, count, body, log, empty, form, input, error, keep};
   * `send(text, id)` sends `room.send` and resolves with its reply;
   * `onChange()` is told when the unread count changed (the page title).
   */
  constructor(els, { send, onChange = () => {} }) {
    this.els = els;
    this.send = send;
    this.onChange = onChange;
    this.model = new RoomModel();
    this.open = false;
    this.focused = document.hasFocus();
    els.toggle.addEventListener('click', () => this.setOpen(!this.open));
    els.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    els.input.addEventListener('input', () => this.setError(''));
    els.input.addEventListener('blur', () => this.setError(''));
    els.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    window.addEventListener('focus', () => { this.focused = true; this.look(); });
    window.addEventListener('blur', () => { this.focused = false; this.look(); });
    this.draw();
  }

  get unread() {
    return this.model.unread;
  }

  setMe(id) {
    this.model.meId = id;
  }

  /** A server frame: room.history or room.message. */
  frame(msg) {
    if (msg.type === 'room.history') this.model.history(msg);
    else if (msg.type === 'room.message') this.model.add(msg.message);
    else return false;
    this.draw();
    return true;
  }

  setOpen(open) {
    this.open = open;
    this.look();
    if (open) this.els.input.focus();
  }

  look() {
    const before = this.model.unread;
    this.model.setLooking(this.open && this.focused);
    this.draw();
    if (before !== this.model.unread) this.onChange();
  }

  draw() {
    const { toggle, count, body, log, empty, keep } = this.els;
    toggle.setAttribute('aria-expanded', String(this.open));
    body.hidden = !this.open;
    const n = this.model.unread;
    count.hidden = n === 0;
    count.textContent = n ? String(n) : '';
    count.setAttribute('aria-label', t('staff.room.unread', { count: n }));
    keep.textContent = t('staff.room.keep', { time: this.model.keepText() });
    const msgs = this.model.all();
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    replaceChildren(log, h('ol', { class: 'staff-room__list' }, msgs.map((m) => {
      const mine = m.operator_id === this.model.meId;
      return h('li', { class: `staff-room__msg${mine ? ' is-mine' : ''}` },
        h('p', { class: 'staff-room__who' }, h('span', { text: mine ? t('staff.room.you', { name: m.name }) : m.name }), ' · ', timeElement(m.at)),
        h('p', { class: 'staff-room__text', text: m.text }));
    })));
    log.hidden = msgs.length === 0;
    empty.hidden = msgs.length > 0;
    if (atEnd) log.scrollTop = log.scrollHeight;
  }

  setError(text) {
    this.els.error.textContent = text;
    this.els.error.hidden = !text;
  }

  async submit() {
    const { input } = this.els;
    const problem = staffTextProblem(input.value);
    if (problem) {
      this.setError(problem);
      return;
    }
    this.setError('');
    const text = input.value;
    input.value = '';
    try {
      const ok = await this.send(text, newId('r'));
      this.model.add(ok.message);
      this.draw();
      this.els.log.scrollTop = this.els.log.scrollHeight;
    } catch (err) {
      if (!input.value) input.value = text;
      this.setError(err.code === 'too_long' ? t('staff.text.too_long', { max: STAFF_TEXT_MAX })
        : t('staff.room.not_sent', { reason: err.message || t('staff.try_again') }));
    }
  }
}
