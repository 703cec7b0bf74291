// blocks_section.js: the admin page's "Blocked guests" section — the account's active
// blocks (who blocked the guest of which chat, when, until when and why; never an address,
// which the server does not keep) with a Lift button each (PROTOCOL.md §2.14).

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren, formatTime } from '../shared/dom.js';
import { blockLine } from './block_model.js';
import { t } from '../shared/i18n.js';

export class BlocksSection {
  /** `root` receives the list, `status` the outcome of each lift; `changed` runs after one. */
  constructor(root, status, { changed = () => {} } = {}) {
    this.root = root;
    this.status = status;
    this.changed = changed;
  }

  say(text, ok = false) {
    this.status.textContent = text;
    this.status.classList.toggle('rd-alert--ok', ok);
  }

  async load() {
    const r = await apiRequest('/api/admin/blocks');
    if (!r.ok) return this.say(r.error?.message || t('staff.blocks.not_loaded'));
    this.draw(r.data.blocks);
    return null;
  }

  draw(blocks) {
    if (blocks.length === 0) {
      replaceChildren(this.root, h('p', { class: 'rd-hint', text: t('staff.blocks.none') }));
      return;
    }
    replaceChildren(this.root, h('ul', { class: 'blocks-list' }, blocks.map((b) => h('li', { class: 'blocks-list__item' },
      h('span', { text: blockLine(b, formatTime) }),
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: t('staff.blocks.lift'),
        'aria-label': t('staff.blocks.lift_label', { id: String(b.id), reason: b.reason }), on: { click: () => this.lift(b) } })))));
  }

  async lift(b) {
    const r = await apiRequest(`/api/admin/blocks/${b.id}/lift`, { method: 'POST', body: {} });
    this.say(r.ok ? t('staff.blocks.lifted') : (r.error?.message || t('staff.blocks.not_lifted')), r.ok);
    await this.load();
    (this.root.querySelector('button') || this.status).focus?.();
    if (r.ok) this.changed();
  }
}
