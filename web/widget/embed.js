// embed.js: the loader for library pages (see box.js). Modes: embedded, follow-me,
// popup. Under 4 KB gzipped. The site's storage keeps only non-secret UI state:
// the chat's id and token stay in the box's own storage.
(() => {
  const script = document.currentScript;
  if (!script) return;
  const host = new URL(script.src).origin;
  const data = script.dataset;
  const queue = /^[a-z0-9-]{1,32}$/.test(data.queue) ? data.queue : 'ask';
  const url = (m) => `${host}/box/${queue}?mode=${m}`;
  const css = (el, s) => Object.assign(el.style, s);
  const make = (tag) => document.createElement(tag);
  const key = `refdesk.${queue}`;
  const load = () => {
    try { return JSON.parse(localStorage[key]) || {}; } catch { return {}; }
  };
  const save = (c) => {
    const { open, live } = { ...load(), ...c };
    try { localStorage[key] = JSON.stringify({ open, live }); } catch {}
  };
  if (load().keep) save({}); // older loaders kept the token here
  const ready = (fn) => (document.readyState === 'loading'
    ? document.addEventListener('DOMContentLoaded', fn) : fn());
  const place = (el) => ready(() => {
    const t = (data.target && document.querySelector(data.target)) ||
      document.querySelector('[data-refdesk-box]:empty');
    t ? t.append(el) : script.after(el);
  });
  const button = () => {
    const b = make('button');
    b.type = 'button';
    b.textContent = data.label || 'Chat with us';
    css(b, { font: '600 16px system-ui,sans-serif', color: '#fff', background: '#1d5c8c', border: 0,
      borderRadius: '99px', padding: '12px 20px', cursor: 'pointer', boxShadow: '0 6px 16px #0003' });
    return b;
  };

  if (data.mode === 'popup') {
    const b = button();
    b.onclick = () => window.open(url('popup'), `refdesk-${queue}`, 'popup,width=420,height=640')?.focus();
    return place(b);
  }

  const follow = data.mode === 'follow-me';
  const panel = make('div');
  const launcher = button();
  const badge = make('span');
  const narrow = matchMedia('(max-width: 480px)');
  let iframe, loaded;
  const isOpen = () => panel.style.display !== 'none';
  const tell = () => loaded && iframe.contentWindow.postMessage({ type: 'refdesk:open', open: isOpen() }, host);
  const ensureFrame = () => {
    if (iframe) return;
    iframe = make('iframe');
    iframe.src = url(follow ? 'follow' : 'embedded');
    iframe.name = `refdesk-${follow ? 'follow' : 'embedded'}-${queue}`;
    iframe.title = 'Chat with a librarian';
    iframe.allow = 'display-capture; clipboard-write';
    css(iframe, { border: 0, width: '100%', height: '100%', display: 'block' });
    iframe.onload = () => {
      loaded = true;
      tell();
    };
    panel.append(iframe);
  };
  const show = (on) => {
    panel.style.display = on ? 'block' : 'none';
    launcher.setAttribute('aria-expanded', on);
    (launcher.parentNode || launcher).style.visibility = on && narrow.matches ? 'hidden' : '';
    badge.hidden = true;
    save({ open: on });
    tell();
  };
  const close = () => {
    const inside = panel.contains(document.activeElement);
    show(false);
    if (inside || document.activeElement === document.body) launcher.focus();
  };
  addEventListener('message', (e) => {
    const d = e.data;
    if (e.origin !== host || !iframe || e.source !== iframe.contentWindow || !d) return;
    if (d.type === 'refdesk:close' && follow) close();
    if (d.type === 'refdesk:state') {
      save(d.chat === 'ended' ? { live: false, open: false } : { live: d.live });
      badge.textContent = d.unread ? `${d.unread} new` : '';
      badge.hidden = !d.unread || isOpen();
    }
  });

  if (!follow) {
    css(panel, { height: '100%', minHeight: '480px', border: '1px solid #d8dee6', borderRadius: '14px',
      overflow: 'hidden' });
    ensureFrame();
    return place(panel);
  }

  // The launcher sits in a dock in one corner of the page. It takes the
  // first corner where it covers none of the page's headings, links or
  // controls (checked again when the page scrolls or its layout changes);
  // where every corner covers something it moves aside, to a slim tab
  // against the screen's edge, and tries again. On a phone it is a round
  // icon; its small badge button tucks it aside by hand, and back.
  panel.id = `refdesk-follow-${queue}`;
  const dock = make('div');
  const hide = make('button');
  const label = launcher.textContent;
  const corners = [['right', 'bottom'], ['left', 'bottom'], ['right', 'top'], ['left', 'top']];
  let corner = corners[0], tucked = false, crowded = false, settle;
  launcher.setAttribute('aria-controls', panel.id);
  launcher.setAttribute('aria-expanded', false);
  css(dock, { position: 'fixed', zIndex: 2147483000 });
  css(badge, { marginLeft: '8px', background: '#fff', color: '#1d5c8c', borderRadius: '99px', padding: '0 7px' });
  badge.hidden = true;
  hide.type = 'button';
  css(hide, { position: 'absolute', top: '-10px', width: '24px', height: '24px', padding: 0,
    border: '2px solid #fff', borderRadius: '50%', background: '#164a72', color: '#fff',
    font: '700 14px/1 system-ui,sans-serif', cursor: 'pointer', boxShadow: '0 2px 6px #0003' });
  dock.append(launcher, hide);
  css(panel, { position: 'fixed', zIndex: 2147483001, background: '#fff', overflow: 'hidden',
    boxShadow: '0 18px 40px #0004', display: 'none' });
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
    hide.setAttribute('aria-label', tucked ? 'Bring the chat button back' : 'Move the chat button aside');
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
  if (window.ResizeObserver) ready(() => new ResizeObserver(later).observe(document.body));
  hide.onclick = () => {
    tucked = !tucked;
    drawLauncher();
    dockIn();
    hide.focus();
  };
  drawLauncher();
  layout();
  launcher.onclick = () => (isOpen() ? close() : (ensureFrame(), layout(), show(true)));
  addEventListener('keydown', (e) => e.key === 'Escape' && isOpen() && document.activeElement === launcher && close());
  ready(() => {
    document.body.append(panel, dock);
    dockIn();
    layout();
    const s = load();
    if (s.open) launcher.onclick();
    else if (s.live) ensureFrame();
  });
})();
