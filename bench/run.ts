/**
 * `npm run bench`: every performance figure of the project, measured in ONE run on this machine, written to
 * BENCHMARKS.md (and printed). Figures are ratios against a floor measured in the same run wherever a floor
 * exists (JSON.parse for HAR diagnosis, a bare node:http server for the collector). Needs `npm run build`
 * first (the browser measurements load dist/chrome and dist/firefox) and /usr/bin/redis-server for the
 * collector's Redis store; the HAR benchmark writes a 1.1 GB file to the temp dir (deleted afterwards).
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
import { execSync } from 'node:child_process';
import { benchPerEvent, toMarkdown as perEventTable } from './per-event-bench';
import { benchHar, harBenchTable } from './har-bench';
import { benchCollector, collectorBenchMarkdown } from './collector-load';
import { benchStorage, storageMarkdown } from './collector-storage';
import { crowdSimMarkdown, runCrowdSim } from './crowd-sim';
import { benchPopupPaint, popupPaintTable } from './popup-paint';
import { benchDetectionLatency, detectionLatencyTable } from './detection-latency';
import { benchContentScript, contentScriptTable } from './content-script-cost';
import { LEVEL_RATIO, benchSoak, soakTable } from './soak';
import { benchLifecycle, lifecycleTable } from './lifecycle';

interface Section {
  title: string;
  target: string;
  body: string;
  pass: boolean;
}

function version(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'n/a';
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const sections: Section[] = [];
  const step = async (title: string, target: string, fn: () => Promise<{ body: string; pass: boolean }>) => {
    process.stderr.write(`bench: ${title}…\n`);
    const t0 = Date.now();
    try {
      const r = await fn();
      sections.push({ title, target, ...r });
    } catch (e) {
      sections.push({
        title,
        target,
        body: `not measured: ${e instanceof Error ? e.message : String(e)}`,
        pass: false,
      });
    }
    process.stderr.write(`bench: ${title} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };

  await step(
    'Per-event path in the background',
    '≤ 2 µs per event (median), 0 IndexedDB transactions per event',
    async () => {
      const r = await benchPerEvent();
      return { body: perEventTable(r), pass: r.pass };
    },
  );
  await step(
    'Command line vs JSON.parse',
    'faultline diagnose, process start included, ≤ 1.0× the time and ≤ 0.5× the peak RSS of a bare JSON.parse of the same 100,000-entry HAR; a HAR over 1 GB diagnosed in bounded memory',
    async () => {
      const r = await benchHar();
      return { body: harBenchTable(r), pass: r.pass };
    },
  );
  await step(
    'Popup paint and size',
    'verdict painted ≤ 100 ms after opening with 50,000 events stored; popup JS < 40 KB gzip',
    async () => {
      const r = await benchPopupPaint();
      return { body: popupPaintTable(r), pass: r.pass };
    },
  );
  await step(
    'Content-script cost',
    '< 5 ms of main-thread script time per 1,000 images on a 5,000-image page (whole-task time, noisier, shown beside it)',
    async () => {
      const r = await benchContentScript();
      return { body: contentScriptTable(r), pass: r.pass };
    },
  );
  await step(
    'Detection latency',
    'first failing request → badge shows the provider verdict: ≤ 5 s median',
    async () => {
      const r = await benchDetectionLatency();
      return { body: detectionLatencyTable(r.rows), pass: r.rows.every((x) => x.pass) };
    },
  );
  await step(
    'Background lifecycle, Chromium and Firefox',
    'per idle minute 1 wake-up per alarm and 0 storage.session writes when nothing changed; the background stops within the browser’s idle time after the last traffic',
    async () => {
      const r = await benchLifecycle();
      return { body: lifecycleTable(r.rows), pass: r.rows.every((x) => x.pass) };
    },
  );
  await step('Collector load', 'each store ≥ 0.5× the bare node:http ceiling measured in the same run', async () => {
    const r = await benchCollector();
    return {
      body: collectorBenchMarkdown(r.rows),
      pass: r.rows.filter((x) => x.target !== 'bare node:http 204').every((x) => x.ratio >= 0.5),
    };
  });
  await step(
    'Collector storage per million reports',
    'bounded: SQLite file and Redis memory per million reports written down (docs/crowd-protocol.md)',
    async () => {
      const rows = await benchStorage();
      return { body: storageMarkdown(rows), pass: rows.every((r) => r.bytesPerMillion > 0) };
    },
  );
  await step(
    'Crowd mode at internet scale',
    'ordinary days of 100,000 users (the first, and one with attackers) stay normal; 200,000 reporters reach `outage`',
    async () => {
      const r = await runCrowdSim();
      const calm = [...Object.values(r.ordinary.worst), ...Object.values(r.ordinary.worstFirstDay)].every(
        (s) => s === 'normal',
      );
      return { body: crowdSimMarkdown(r), pass: calm && r.outage.toOutageS !== null };
    },
  );

  await step(
    'Soak: 500,000 requests through the worker',
    `worker JS heap and database size level off: the largest sample of the last third ≤ ${LEVEL_RATIO}× the largest of the middle third (SOAK_REQUESTS overrides the count)`,
    async () => {
      const r = await benchSoak();
      return { body: soakTable(r), pass: r.pass };
    },
  );

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '# Benchmarks',
    '',
    'Measured by `npm run bench` (after `npm run build`), all figures from one run; it rewrites this file.',
    '',
    `- Run: ${started.toISOString()} (${((Date.now() - started.getTime()) / 1000).toFixed(0)} s)`,
    `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
    `- Node ${process.version}; ${version('/usr/lib/chromium/chromium --version')}; ${version('/usr/lib/firefox-esr/firefox-esr --version')}; ${version('redis-server --version')}`,
    '- Ratios compare against a floor measured in the same run; absolute times depend on the machine and its load.',
    '',
    '| benchmark | target | result |',
    '|---|---|---|',
    ...sections.map((s) => `| ${s.title} | ${s.target} | ${s.pass ? 'met' : 'NOT met'} |`),
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', `Target: ${s.target}.`, '', s.body, '']),
  ].join('\n');
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), md);
  console.log(md);
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
