/**
 * GET / : the collector's status page for people. One self-contained HTML document — no external assets, no
 * framework — in English and Simplified Chinese (texts from public/_locales, keys status_page_* and
 * crowd_state_*; the reader's language by default, a button to switch). Per service: the state in words, distinct
 * reporters over the last hour and the last 15 minutes, the usual number for this time of day, and a per-minute
 * chart of the last hour. It fetches ./v1/status itself every `refreshS` seconds (`?refresh=N` overrides, for
 * tests and wall screens); a team collector whose status needs the key reads it from `#key=…`.
 *
 * Served with a Content-Security-Policy that allows exactly this page's inline script and style (by hash) and
 * connections to its own origin.
 */
import { createHash } from 'node:crypto';
import { SERVICES } from '../../src/core/catalogue/services';
import { CROWD_SERVICES } from '../../src/core/crowd/protocol';
import { LANGS, MESSAGES, type Lang } from '../../src/core/i18n/messages';

/** Locale keys the page uses (test/unit/locales.test.ts checks every key of the locale files in both languages). */
export const PAGE_KEYS = [
  'status_page_title',
  'status_page_intro',
  'status_page_mode_public',
  'status_page_mode_team',
  'status_page_col_service',
  'status_page_col_state',
  'status_page_col_hour',
  'status_page_col_usual',
  'status_page_col_chart',
  'status_page_updated',
  'status_page_error',
  'status_page_switch',
  'status_page_chart_label',
  'status_page_key_needed',
  'status_page_loading',
  'crowd_state_normal',
  'crowd_state_elevated',
  'crowd_state_outage',
] as const;

const STYLE = `
:root{color-scheme:light dark;--fg:#1d2330;--muted:#5b6472;--bg:#fff;--line:#d9dde3;--bar:#4a6fa5;
--normal:#1f7a3a;--elevated:#8a5a00;--outage:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#a5adba;--bg:#15181e;--line:#323844;--bar:#8fb0e0;
--normal:#6fcf8b;--elevated:#f0b44c;--outage:#ff8a80}}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC",
"Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:980px;margin:0 auto;padding:20px 16px}
header{display:flex;gap:12px;align-items:baseline;justify-content:space-between;flex-wrap:wrap}
h1{font-size:1.35rem;margin:0}
button{font:inherit;padding:4px 12px;border:1px solid var(--line);border-radius:6px;background:transparent;color:inherit;cursor:pointer}
.muted{color:var(--muted)}.small{font-size:.87rem}
#err{color:var(--outage)}
table{width:100%;border-collapse:collapse;margin-top:12px}
th,td{text-align:left;padding:8px 6px;border-bottom:1px solid var(--line);vertical-align:middle}
th{font-size:.8rem;font-weight:600;color:var(--muted)}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.state{font-weight:600;white-space:nowrap}
.state::before{display:inline-block;width:1.1em}
.state-normal{color:var(--normal)}.state-normal::before{content:"●"}
.state-elevated{color:var(--elevated)}.state-elevated::before{content:"▲"}
.state-outage{color:var(--outage)}.state-outage::before{content:"■"}
svg{display:block;width:180px;height:32px}svg rect{fill:var(--bar)}
`;

const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('page-data').textContent);
  var T = data.texts;
  var params = new URLSearchParams(location.search);
  var refresh = Number(params.get('refresh')) >= 1 ? Number(params.get('refresh')) : data.refreshS;
  var lang = params.get('lang') === 'zh' || params.get('lang') === 'zh_CN' ? 'zh_CN'
    : params.get('lang') === 'en' ? 'en' : (/^zh/i.test(navigator.language || '') ? 'zh_CN' : 'en');
  var keyMatch = /[#&]key=([^&]+)/.exec(location.hash);
  var key = keyMatch ? decodeURIComponent(keyMatch[1]) : '';
  var last = null, error = '', timer = 0;

  function tx(k, args) {
    var s = (T[lang] && T[lang][k]) || T.en[k] || k;
    (args || []).forEach(function (a, i) { s = s.split('$' + (i + 1)).join(String(a)); });
    return s;
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (kids || []).forEach(function (c) { e.append(c); });
    return e;
  }
  function chart(per) {
    var NS = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(NS, 'svg');
    var max = Math.max.apply(null, per.concat([1]));
    var total = per.reduce(function (a, b) { return a + b; }, 0);
    svg.setAttribute('viewBox', '0 0 ' + (per.length * 3) + ' 32');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', tx('status_page_chart_label', [total, max === 1 && total === 0 ? 0 : max]));
    per.forEach(function (n, i) {
      if (!n) return;
      var h = Math.max(1, Math.round((n / max) * 30));
      var r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', String(i * 3));
      r.setAttribute('y', String(32 - h));
      r.setAttribute('width', '2');
      r.setAttribute('height', String(h));
      svg.append(r);
    });
    return svg;
  }
  var ORDER = { outage: 0, elevated: 1, normal: 2 };
  function render() {
    document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
    document.title = tx('status_page_title');
    document.getElementById('title').textContent = tx('status_page_title');
    document.getElementById('intro').textContent = tx('status_page_intro');
    document.getElementById('switch').textContent = tx('status_page_switch');
    var head = document.getElementById('head');
    head.replaceChildren(el('th', {}, [tx('status_page_col_service')]), el('th', {}, [tx('status_page_col_state')]),
      el('th', {}, [tx('status_page_col_hour')]), el('th', {}, [tx('status_page_col_usual')]),
      el('th', {}, [tx('status_page_col_chart')]));
    var err = document.getElementById('err');
    err.hidden = !error;
    err.textContent = error ? tx('status_page_error', [error]) : '';
    var meta = document.getElementById('meta');
    var body = document.getElementById('rows');
    if (!last) {
      meta.textContent = error ? '' : tx('status_page_loading');
      body.replaceChildren();
      return;
    }
    meta.textContent = tx(last.mode === 'team' ? 'status_page_mode_team' : 'status_page_mode_public') + ' · ' +
      tx('status_page_updated', [new Date(last.at).toLocaleTimeString(lang === 'zh_CN' ? 'zh-CN' : 'en'), refresh]);
    var rows = last.services.slice().sort(function (a, b) {
      return (ORDER[a.state] - ORDER[b.state]) || (b.voters60 - a.voters60) ||
        (data.order.indexOf(a.service) - data.order.indexOf(b.service));
    });
    body.replaceChildren.apply(body, rows.map(function (s) {
      var name = (data.names[s.service] || {})[lang] || s.service;
      return el('tr', { 'data-service': s.service, 'data-state': s.state }, [
        el('td', {}, [name]),
        el('td', {}, [el('span', { class: 'state state-' + s.state }, [tx('crowd_state_' + s.state)])]),
        el('td', { class: 'num', 'data-col': 'hour' }, [String(s.voters60) + ' (' + s.voters15 + ')']),
        el('td', { class: 'num', 'data-col': 'usual' }, [String(s.baseline15)]),
        el('td', {}, [chart(s.perMinute)]),
      ]);
    }));
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(load, refresh * 1000); }
  function load() {
    var headers = { accept: 'application/json' };
    if (key) headers.authorization = 'Bearer ' + key;
    fetch('v1/status', { headers: headers, cache: 'no-store' }).then(function (res) {
      if (res.status === 401 || res.status === 403) throw new Error(tx('status_page_key_needed'));
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (j) { last = j; error = ''; }, function (e) { error = e && e.message ? e.message : String(e); })
      .then(function () { render(); schedule(); });
  }
  document.getElementById('switch').addEventListener('click', function () {
    lang = lang === 'zh_CN' ? 'en' : 'zh_CN';
    render();
  });
  render();
  load();
})();
`;

export interface StatusPage {
  html: string;
  csp: string;
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/** JSON inside <script type="application/json">: `<` escaped so no text can close the element. */
function inlineJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c');
}

export function statusPage(opts: { refreshS: number }): StatusPage {
  const texts = Object.fromEntries(
    LANGS.map((l: Lang) => [l, Object.fromEntries(PAGE_KEYS.map((k) => [k, MESSAGES[l][k]?.message ?? k]))]),
  );
  const names = Object.fromEntries(SERVICES.map((s) => [s.id, { en: s.en, zh_CN: s.zh }]));
  const data = { texts, names, order: CROWD_SERVICES, refreshS: opts.refreshS };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Faultline</title><style>${STYLE}</style></head>
<body><main>
<header><h1 id="title">Faultline</h1><button id="switch" type="button"></button></header>
<p id="intro" class="muted"></p>
<p id="meta" class="small muted" aria-live="polite"></p>
<p id="err" class="small" role="alert" hidden></p>
<table><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table>
<noscript><p>GET <a href="v1/status">/v1/status</a></p></noscript>
</main>
<script id="page-data" type="application/json">${inlineJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
