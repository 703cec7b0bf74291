// embed.js: the library page's loader, under 2 KB gzipped (web/README.md).
(() => {
  const script = document.currentScript;
  if (!script) return;
  const host = new URL(script.src).origin;
  const data = script.dataset;
  const queue = /^[a-z0-9-]{1,32}$/.test(data.queue) ? data.queue : 'ask';
  const given = data.lang || document.documentElement.lang;
  const url = (m) => `${host}/box/${queue}?mode=${m}&lang=${given}`;
  const lang = (given || navigator.language).slice(0, 2).toLowerCase();
  const label = data.label || { fr: 'Discutez avec nous', es: 'Chatea con nosotros', de: 'Chatten Sie mit uns',
    ar: 'تحدث معنا' }[lang] || 'Chat with us';
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
  if (load().keep) save({});
  const ready = (fn) => (document.readyState === 'loading' ? addEventListener('DOMContentLoaded', fn) : fn());
  const place = (el) => ready(() => {
    const t = (data.target && document.querySelector(data.target)) ||
      document.querySelector('[data-refdesk-box]:empty');
    t ? t.append(el) : script.after(el);
  });
  const button = () => {
    const b = make('button');
    b.type = 'button';
    b.textContent = label;
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
    const m = follow ? 'follow' : 'embedded';
    iframe.src = url(m);
    iframe.name = `refdesk-${m}-${queue}`;
    iframe.title = label;
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
    launcher.style.visibility = on && narrow.matches ? 'hidden' : '';
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
      badge.textContent = d.unread ? badge.say?.(d.unread) ?? d.unread : '';
      badge.hidden = !d.unread || isOpen();
    }
  });

  if (!follow) {
    css(panel, { height: '100%', minHeight: '480px', border: '1px solid #d8dee6', borderRadius: '14px',
      overflow: 'hidden' });
    ensureFrame();
    return place(panel);
  }

  launcher.setAttribute('aria-expanded', false);
  css(launcher, { position: 'fixed', right: '20px', bottom: '20px', zIndex: 2147483000 });
  badge.hidden = true;
  launcher.append(badge);
  css(panel, { position: 'fixed', zIndex: 2147483001, background: '#fff', overflow: 'hidden',
    boxShadow: '0 18px 40px #0004', display: 'none' });
  css(panel, narrow.matches
    ? { inset: 0, width: 'auto', height: 'auto', borderRadius: 0 }
    : { inset: 'auto 20px 84px auto', width: '380px', height: 'min(600px,calc(100vh - 110px))', borderRadius: '16px' });
  launcher.onclick = () => (isOpen() ? close() : (ensureFrame(), show(true)));
  ready(() => {
    document.body.append(panel, launcher);
    document.head.append(Object.assign(make('script'), { src: `${host}/widget/dock.js`,
      refdesk: { launcher, badge, panel, narrow, isOpen, close, lang } }));
    const s = load();
    if (s.open) launcher.onclick();
    else if (s.live) ensureFrame();
  });
})();
