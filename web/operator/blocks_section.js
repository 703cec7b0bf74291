// blocks_section.js: the admin page's "Blocked guests" section — the account's active
// blocks (who blocked the guest of which chat, when, until when and why; never an address,
// which the server does not keep) with a Lift button each (PROTOCOL.md §2.14).

import { apiRequest } from '../shared/api.js';
import { h, replaceChildren, formatTime } from '../shared/dom.js';
import { blockLine } from './block_model.js';

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
    if (!r.ok) return this.say(r.error?.message || 'The blocks could not be loaded.');
    this.draw(r.data.blocks);
    return null;
  }

  draw(blocks) {
    if (blocks.length === 0) {
      replaceChildren(this.root, h('p', { class: 'rd-hint', text: 'No guest is blocked now.' }));
      return;
    }
    replaceChildren(this.root, h('ul', { class: 'blocks-list' }, blocks.map((b) => h('li', { class: 'blocks-list__item' },
      h('span', { text: blockLine(b, formatTime) }),
      h('button', { type: 'button', class: 'rd-button rd-button--quiet rd-button--small', text: 'Lift',
        'aria-label': `Lift block ${b.id}: ${b.reason}`, on: { click: () => this.lift(b) } })))));
  }

  async lift(b) {
    const r = await apiRequest(`/api/admin/blocks/${b.id}/lift`, { method: 'POST', body: {} });
    this.say(r.ok ? 'Block lifted: that connection may start chats again.' : (r.error?.message || 'The block could not be lifted.'), r.ok);
    await this.load();
    (this.root.querySelector('button') || this.status).focus?.();
    if (r.ok) this.changed();
  }
}
