/**
 * The simulated pages. Each page reports how many of its resources settled in `window.__settled` (of
 * `window.__total`), so a driver can wait for the traffic to be over before looking at the extension.
 */

/** The AccessKeyId the console page signs its OSS and OpenAPI requests with (fake, LTAI-shaped). */
export const SIM_KEY = 'LTAI5tSimU1atorKey00001';

const HEAD = (
  title: string,
) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>${title}</title><style>
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;background:#f5f5f5;color:#222}
header{padding:10px 18px;color:#fff;font-weight:600;font-size:18px}
main{padding:12px 18px}
.grid{display:grid;grid-template-columns:repeat(10,1fr);gap:6px}
.grid img{width:100%;aspect-ratio:1;background:#ddd;border:1px solid #ccc;display:block}
.banners img{width:23%;height:60px;background:#ddd;margin-right:1%}
.err{color:#c00;font-family:monospace;font-size:12px;white-space:pre-wrap}
.ok{color:#080;font-family:monospace;font-size:12px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px}
.oss img{width:120px;height:80px;margin:4px;background:#ddd;border:1px solid #ccc}
</style></head>`;

/** Shared tail: counts settled resources, logs every API answer (status + provider error code) on the page. */
const TAIL = `<script>
window.__settled = window.__settled || 0;
function settle(){ window.__settled++; }
function track(img){ img.addEventListener('load', settle); img.addEventListener('error', settle); }
function logLine(text, ok){ const p=document.createElement('div'); p.className=ok?'ok':'err'; p.textContent=text; document.getElementById('log').appendChild(p); }
async function call(label, url, opts){
  try {
    const r = await fetch(url, opts);
    const body = await r.text();
    let code = '';
    try { const j = JSON.parse(body.replace(/^\\w+\\((.*)\\)$/s, '$1')); code = j.Code ? j.Code + ': ' + j.Message : (j.ret ? j.ret.join(' ') : ''); } catch (e) {
      const m = /<Code>(.*?)<\\/Code>\\s*<Message>(.*?)<\\/Message>/s.exec(body); if (m) code = m[1] + ': ' + m[2];
    }
    logLine(label + ' → HTTP ' + r.status + (code ? '  ' + code : ''), r.ok);
    return { status: r.status, body };
  } catch (e) { logLine(label + ' → ' + e, false); return { status: 0, body: '' }; }
  finally { settle(); }
}
</script>`;

/** www.taobao.com: 50 alicdn pictures, 4 promo banners, 2 mtop calls; `undefinedImages` adds <img src="undefined">. */
export function shopPage(opts: { undefinedImages: number }): string {
  const imgs = Array.from(
    { length: 50 },
    (_, i) => `<img alt="" src="https://img.alicdn.com/imgextra/i${i % 4}/O1CN01item${i}_!!2206.jpg_300x300q90.jpg">`,
  ).join('');
  const bugs = Array.from({ length: opts.undefinedImages }, () => `<img alt="" src="undefined">`).join('');
  const banners = Array.from(
    { length: 4 },
    (_, i) => `<img alt="" src="https://img.alicdn.com/blocked/banner-${i}.jpg">`,
  ).join('');
  const total = 50 + opts.undefinedImages + 4 + 2;
  return `${HEAD('淘宝网 - 淘！我喜欢')}<body><header style="background:#ff5000">淘宝网 Taobao（simulated）</header><main>
<div class="banners">${banners}</div>
<h3>猜你喜欢</h3><div class="grid">${imgs}${bugs}</div>
<div id="log"></div></main>${TAIL}<script>
window.__total = ${total};
document.querySelectorAll('img').forEach((img) => { if (img.complete) settle(); else track(img); });
const t = Date.now();
call('mtop.taobao.wireless.home.load', 'https://h5api.m.taobao.com/h5/mtop.taobao.wireless.home.load/1.0/?jsv=2.7.2&appKey=12574478&t=' + t + '&sign=0f1e2d3c&data=%7B%7D');
call('mtop.relationrecommend.recommend', 'https://h5api.m.taobao.com/h5/mtop.relationrecommend.wirelessrecommend.recommend/2.0/?jsv=2.7.2&appKey=12574478&t=' + t + '&sign=4b5a6978&data=%7B%7D');
</script></body></html>`;
}

/** ecs.console.aliyun.com: OpenAPI calls and OSS objects signed with SIM_KEY, plus the console's own API. */
export function consolePage(): string {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const oss = (obj: string) =>
    `https://bucket.oss-cn-hangzhou.aliyuncs.com/${obj}?OSSAccessKeyId=${SIM_KEY}&Expires=${exp}&Signature=c2lnbmF0dXJl%3D`;
  const pop = (action: string) =>
    `https://ecs.cn-hangzhou.aliyuncs.com/?Action=${action}&AccessKeyId=${SIM_KEY}&Format=JSON&Version=2014-05-26&SignatureMethod=HMAC-SHA1&SignatureNonce=${Math.random().toString(36).slice(2)}&Timestamp=${encodeURIComponent(new Date().toISOString())}&Signature=x%3D`;
  const imgs = Array.from({ length: 6 }, (_, i) => `<img alt="" src="${oss(`snapshots/disk-${i}.png`)}">`).join('');
  const calls: [string, string][] = [
    ['OSS GetObject config.json', oss('config/console.json')],
    ['OSS GetObject tags.json', oss('config/tags.json')],
    ['OpenAPI DescribeInstances', pop('DescribeInstances')],
    ['OpenAPI DescribeRegions', pop('DescribeRegions')],
    ['OpenAPI DescribeDisks', pop('DescribeDisks')],
    ['console /api/ecs/DescribeInstances.json', '/api/ecs/DescribeInstances.json'],
    ['console /api/ecs/DescribeRegions.json', '/api/ecs/DescribeRegions.json'],
    ['console /api/ecs/Overview.json', '/api/ecs/Overview.json'],
  ];
  return `${HEAD('云服务器 ECS - 阿里云控制台')}<body><header style="background:#ff6a00">阿里云 · 云服务器 ECS 控制台（simulated）</header><main>
<h3>实例列表</h3><table id="inst"><tr><th>实例 ID</th><th>名称</th><th>状态</th></tr></table>
<h3>OSS 快照</h3><div class="oss">${imgs}</div>
<h3>请求</h3><div id="log"></div></main>${TAIL}<script>
window.__total = ${6 + calls.length};
document.querySelectorAll('img').forEach((img) => { if (img.complete) settle(); else track(img); });
(async () => {
  for (const [label, url] of ${JSON.stringify(calls)}) {
    const r = await call(label, url);
    if (label === 'OpenAPI DescribeInstances' && r.status === 200) {
      for (const x of JSON.parse(r.body).Instances.Instance) {
        const tr = document.createElement('tr'); tr.innerHTML = '<td>'+x.InstanceId+'</td><td>'+x.InstanceName+'</td><td>'+x.Status+'</td>';
        document.getElementById('inst').appendChild(tr);
      }
    }
  }
})();
</script></body></html>`;
}

/** www.yuque.com/dashboard: 8 API calls and 6 pictures from cdn.nlark.com. */
export function yuquePage(): string {
  const imgs = Array.from(
    { length: 6 },
    (_, i) => `<img alt="" src="https://cdn.nlark.com/yuque/0/2023/png/${1000 + i}/cover.png">`,
  ).join('');
  const calls = Array.from({ length: 8 }, (_, i) => [
    `yuque /api/mine/book_stacks #${i}`,
    `/api/mine/book_stacks?offset=${i * 20}`,
  ]);
  return `${HEAD('语雀 · 工作台')}<body><header style="background:#00b96b">语雀 Yuque（simulated）</header><main>
<h3>知识库</h3><div class="oss">${imgs}</div><div id="log"></div></main>${TAIL}<script>
window.__total = ${6 + calls.length};
document.querySelectorAll('img').forEach((img) => { if (img.complete) settle(); else track(img); });
Promise.all(${JSON.stringify(calls)}.map(([l, u]) => call(l, u)));
</script></body></html>`;
}

/** A control site (not in the catalogue). */
export function controlPage(host: string): string {
  return `${HEAD(host)}<body><header style="background:#2932e1">${host}（simulated control site）</header><main><p>It works.</p>
<img alt="" src="https://${host}/logo.png" style="width:120px;height:40px"><div id="log"></div></main>${TAIL}<script>
window.__total = 1; document.querySelectorAll('img').forEach((img) => { if (img.complete) settle(); else track(img); });
</script></body></html>`;
}

export function simplePage(title: string, body: string, color = '#ff5000'): string {
  return `${HEAD(title)}<body><header style="background:${color}">${title}</header><main>${body}</main><script>window.__total=0;window.__settled=0;</script></body></html>`;
}

/** An SVG picture (served for every *.jpg/*.png the pages load). */
export function pictureSvg(seed: string): string {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  const hue = h % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><rect width="120" height="120" fill="hsl(${hue},70%,80%)"/><circle cx="60" cy="52" r="28" fill="hsl(${(hue + 40) % 360},70%,55%)"/><text x="60" y="108" font-size="16" text-anchor="middle" fill="#333">¥${(h % 900) + 9}</text></svg>`;
}
