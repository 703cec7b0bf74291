// dock.js: where follow-me's chat button sits on a library's page. embed.js
// loads it after the page and hands over what it moves through this script
// element (nothing global); the loader itself stays under 2 KB.
//
// The button sits in a dock in one corner of the page. It takes the first
// corner where it covers none of the page's headings, links or controls
// (checked again when the page scrolls or its layout changes); where every
// corner covers something it moves aside, to a slim tab against the
// screen's edge, and tries again. On a phone it is a round icon; its small
// badge button tucks it aside by hand, and back.
//
// What only follow-me needs and the button's first look can wait for lives
// here, to keep the loader small: the unread badge's look and words, the
// tuck button's words (both in the box's language, which the loader passes
// as `lang`), Escape on the button, and the button's aria-controls.
(() => {
  const given = document.currentScript && document.currentScript.refdesk;
  if (!given) return;
  const { launcher, badge, panel, narrow, isOpen, close, lang } = given;
  // [one new, more new, bring back, move aside] for each language the box speaks.
  const table = {
    en: ['new', 'new', 'Bring the chat button back', 'Move the chat button aside'],
    fr: ['nouveau', 'nouveaux', 'Ramener le bouton de discussion', 'Écarter le bouton de discussion'],
    es: ['nuevo', 'nuevos', 'Volver a mostrar el botón del chat', 'Apartar el botón del chat'],
    de: ['neue', 'neue', 'Chat-Schaltfläche zurückholen', 'Chat-Schaltfläche beiseiteschieben'],
    ar: ['جديدة', 'جديدة', 'إعادة زر المحادثة', 'إبعاد زر المحادثة'],
  };
  const css = (el, s) => Object.assign(el.style, s);
  const make = (tag) => document.createElement(tag);
  const code = table[lang] ? lang : 'en';
  const words = table[code];
  badge.say = (n) => `${n} ${words[new Intl.PluralRules(code).select(n) === 'one' ? 0 : 1]}`;
  css(badge, { marginLeft: '8px', background: '#fff', color: '#1d5c8c', borderRadius: '99px', padding: '0 7px' });
  panel.id = `refdesk-follow-${Math.random().toString(36).slice(2)}`;
  launcher.setAttribute('aria-controls', panel.id);
  addEventListener('keydown', (e) => e.key === 'Escape' && isOpen() && document.activeElement === launcher && close());
  const dock = make('div');
  const hide = make('button');
  const label = launcher.firstChild.nodeValue;
  const corners = [['right', 'bottom'], ['left', 'bottom'], ['right', 'top'], ['left', 'top']];
  let corner = corners[0], tucked = false, crowded = false, settle;
  css(dock, { position: 'fixed', zIndex: 2147483000 });
  css(launcher, { position: '', right: '', bottom: '', zIndex: '' }); // the dock is fixed now
  hide.type = 'button';
  css(hide, { position: 'absolute', top: '-10px', width: '24px', height: '24px', padding: 0,
    border: '2px solid #fff', borderRadius: '50%', background: '#164a72', color: '#fff',
    font: '700 14px/1 system-ui,sans-serif', cursor: 'pointer', boxShadow: '0 2px 6px #0003' });
  launcher.before(dock);
  dock.append(launcher, hide);
  // The loader hides the button while the chat covers a phone's screen: the
  // dock, with its tuck button, goes with it.
  new MutationObserver(() => { dock.style.visibility = launcher.style.visibility; })
    .observe(launcher, { attributes: true, attributeFilter: ['style'] });
  const svgNs = 'http://www.w3.org/2000/svg';
  const icon = document.createElementNS(svgNs, 'svg');
  const bubble = document.createElementNS(svgNs, 'path');
  for (const [k, v] of [['viewBox', '0 0 24 24'], ['width', 24], ['height', 24], ['aria-hidden', 'true'],
    ['focusable', 'false']]) icon.setAttribute(k, v);
  bubble.setAttribute('fill', 'currentColor');
  bubble.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  icon.append(bubble);
  const drawLauncher = () => {
    const edge = tucked || crowded; // a slim tab against the screen's edge
    const small = narrow.matches || edge;
    launcher.replaceChildren(small ? icon : label, badge);
    launcher.setAttribute('aria-label', label);
    icon.setAttribute('width', edge ? 18 : 24);
    icon.setAttribute('height', edge ? 18 : 24);
    css(launcher, small ? { padding: edge ? '14px 6px 14px 8px' : '13px', lineHeight: 0 } : { padding: '12px 20px', lineHeight: '' });
    css(launcher, { borderRadius: !edge ? '99px' : corner[0] === 'right' ? '14px 0 0 14px' : '0 14px 14px 0' });
    hide.textContent = tucked ? '+' : '\u2212';
    hide.setAttribute('aria-label', words[tucked ? 2 : 3]);
    hide.title = hide.getAttribute('aria-label');
    // Moved aside by itself, it needs no badge; else the badge sits on the
    // launcher's inner top corner (above the tab when tucked).
    hide.style.display = crowded && !tucked ? 'none' : '';
    css(hide, tucked ? { top: '-28px', left: corner[0] === 'right' ? 'auto' : '2px', right: corner[0] === 'right' ? '2px' : 'auto' }
      : { top: '-10px', left: corner[0] === 'right' ? '-10px' : 'auto', right: corner[0] === 'right' ? 'auto' : '-10px' });
  };
  const at = (c) => {
    const m = tucked || crowded ? '0px' : '20px';
    css(dock, { left: c[0] === 'left' ? m : 'auto', right: c[0] === 'right' ? m : 'auto',
      top: c[1] === 'top' ? '20px' : 'auto', bottom: c[1] === 'bottom' ? '20px' : 'auto' });
  };
  // How much of the page's headings, links and controls the launcher and
  // its badge cover now: the words of headings and links (a heading's box
  // spans the whole column, its words do not), the whole box of a control.
  const range = document.createRange();
  const rects = (el) => {
    if (!/^(H\d|A)$/.test(el.tagName)) return [el.getBoundingClientRect()];
    range.selectNodeContents(el);
    return range.getClientRects();
  };
  const covered = () => {
    const ours = [launcher, hide].filter((el) => el.style.display !== 'none').map((el) => el.getBoundingClientRect());
    let area = 0;
    for (const el of document.querySelectorAll('h1,h2,h3,h4,h5,h6,a[href],button,input,select,textarea,iframe,[role=button]')) {
      if (dock.contains(el) || panel.contains(el)) continue;
      for (const r of rects(el)) {
        for (const d of ours) {
          const w = Math.min(r.right, d.right) - Math.max(r.left, d.left);
          const h = Math.min(r.bottom, d.bottom) - Math.max(r.top, d.top);
          if (w > 0 && h > 0) area += w * h;
        }
      }
    }
    return area;
  };
  const tryCorners = () => {
    let best = null;
    for (const c of [corner, ...corners.filter((k) => k !== corner)]) {
      corner = c;
      at(c);
      drawLauncher();
      const a = covered();
      if (!best || a < best.a) best = { c, a };
      if (!a) break;
    }
    corner = best.c;
    at(corner);
    drawLauncher();
    return best.a;
  };
  const dockIn = () => {
    if (isOpen()) return; // the open panel stays where the reader found it
    crowded = false;
    if (tryCorners() > 0 && !tucked) {
      crowded = true;
      tryCorners();
    }
  };
  const layout = () => {
    css(panel, narrow.matches
      ? { inset: 0, width: 'auto', height: 'auto', borderRadius: 0 }
      : { inset: 'auto', [corner[0]]: '20px', [corner[1]]: '84px', width: '380px',
        height: 'min(600px,calc(100vh - 110px))', borderRadius: '16px' });
  };
  const later = () => {
    clearTimeout(settle);
    settle = setTimeout(() => { dockIn(); layout(); }, 150);
  };
  narrow.onchange = () => { drawLauncher(); dockIn(); layout(); };
  addEventListener('resize', later);
  addEventListener('scroll', later, { passive: true });
  addEventListener('load', later); // late images and frames move the page's text
  if (window.ResizeObserver) new ResizeObserver(later).observe(document.body);
  hide.onclick = () => {
    tucked = !tucked;
    drawLauncher();
    dockIn();
    hide.focus();
  };
  drawLauncher();
  dockIn();
  layout();
})();
