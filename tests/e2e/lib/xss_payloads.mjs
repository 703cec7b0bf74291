// xss_payloads.mjs: stored-XSS payloads for every place a person's text is shown, and the
// check that a page stayed inert. Each payload that ran would set `window.__pwned`; each that
// was parsed as markup would leave an element, an event-handler attribute or a javascript: URL
// behind. Shared by the browser tests, so a new surface (a field, a page) reuses the same list.
//
// SURFACES names where the payloads go; the screensharing invitation's text is sent by
// screenshare.test.mjs.

export const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3"></svg>',
  '<a href="javascript:window.__pwned=4">click me</a>',
  '<iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '&lt;b&gt;not bold&lt;/b&gt; &amp; {{7*7}} ${7*7}',
  '<details open ontoggle="window.__pwned=7">x</details>',
  '<body onload="window.__pwned=8">',
  '<input autofocus onfocus="window.__pwned=9">',
  '<svg><script>window.__pwned=10</script></svg>',
  "'><img src=x onerror=window.__pwned=11//",
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=12">',
  '<object data="javascript:window.__pwned=13"></object>',
  '<embed src="javascript:window.__pwned=14">',
  '<video><source onerror="window.__pwned=15"></video>',
  '<audio src=x onerror="window.__pwned=16">',
  '<form action="javascript:window.__pwned=17"><button>go</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=18">',
  '<base href="javascript:window.__pwned=19//">',
  'javascript:window.__pwned=20',
  'https://example.org/" onmouseover="window.__pwned=21',
  '[click](javascript:window.__pwned=22)',
  '{{constructor.constructor("window.__pwned=23")()}}',
  '</textarea><script>window.__pwned=24</script>',
  '</title><script>window.__pwned=25</script>',
  '<!--<img src="--><img src=x onerror=window.__pwned=26//">',
  '<noscript><p title="</noscript><img src=x onerror=window.__pwned=27>">',
  '<a href="data:text/html,<script>window.__pwned=28</script>">data</a>',
  '<x onclick="window.__pwned=29" style="display:block;width:9999px;height:9999px">x</x>',
  '<style>*{background:url("javascript:window.__pwned=30")}</style>',
  '\u202egnp.exe <b>mirrored</b>',
  '%3Cscript%3Ewindow.__pwned=32%3C%2Fscript%3E',
  '&#60;script&#62;window.__pwned=33&#60;/script&#62;',
  '<img srcset="x 1x" onerror="window.__pwned=34">',
  '<svg><animate onbegin="window.__pwned=35" attributeName=x dur=1s>',
  '<template><script>window.__pwned=36</script></template><slot onslotchange="window.__pwned=36">',
];

/** Where a person's text reaches a page. */
export const SURFACES = [
  { name: 'message', ready: true },
  { name: 'guest name', ready: true },
  { name: 'file name', ready: true },
  { name: 'alt text', ready: true },
  { name: 'invitation text', ready: true }, // the screensharing invitation (screenshare.test.mjs)
];

/** Short payloads (≤ 80 characters) for fields with that limit, such as a guest's name. */
export const SHORT_PAYLOADS = PAYLOADS.filter((p) => p.length <= 80);

/**
 * Scan a page (every frame) for signs that a payload ran or became markup. Resolves with a list
 * of findings, empty when the page is inert. `own` lists selectors of the pages' own elements
 * that the scan would otherwise report.
 */
export const OWN_ELEMENTS = [
  '#screen-video', // the sharing tool's live view of a shared screen
  'script#rd-i18n[type="application/json"]', // the box's catalogue: a data block, never run
  // The staff pages' own inline scripts, in the head, each allowed by its hash (PROTOCOL §2.1).
  'head > script[data-inline="/shared/session_start.js"]',
  'head > script[data-inline="/operator/signin_wait.js"]',
  '.signin__card > noscript', // the sign-in page's word for a browser without JavaScript
  // The box's conversation rules, inlined after its markup and allowed by their hash.
  'body > style[data-inline="/widget/box_chat.css"]',
];

export async function findInjection(page, own = OWN_ELEMENTS) {
  const found = [];
  for (const frame of page.frames()) {
    const f = await frame.evaluate((ownSelectors) => {
      const out = [];
      const mine = new Set(ownSelectors.flatMap((sel) => [...document.querySelectorAll(sel)]));
      if (window.__pwned !== undefined) out.push(`script ran: __pwned=${window.__pwned}`);
      for (const el of document.querySelectorAll('*')) {
        if (mine.has(el)) continue;
        for (const a of el.attributes) {
          const v = a.value.trim().toLowerCase();
          if (/^on/i.test(a.name)) out.push(`<${el.localName} ${a.name}>`);
          if (/^(href|src|action|data|formaction|xlink:href)$/i.test(a.name) && v.startsWith('javascript:'))
            out.push(`<${el.localName} ${a.name}="${a.value}">`);
          if (a.name === 'srcdoc') out.push(`<${el.localName} srcdoc>`);
        }
        if (/^(iframe|object|embed|base|meta|x|details|math|noscript|template|slot|marquee|video|audio|b)$/.test(el.localName) &&
          document.body?.contains(el))
          out.push(`<${el.localName}> in the body`);
        if (el.localName === 'script' && !el.src) out.push('an inline <script>');
        if (el.localName === 'style' && document.body?.contains(el)) out.push('a <style> in the body');
      }
      return out;
    }, own).catch((err) => [`cannot inspect ${frame.url()}: ${err.message}`]);
    found.push(...f.map((x) => `${frame.url()}: ${x}`));
  }
  return found;
}
