/**
 * Detection latency: from the first failing response the simulator serves to the toolbar badge showing the
 * provider verdict, in real headless Chromium with the built extension (dist/chrome).
 *
 * Per provider-side scenario, 3 runs (BENCH_RUNS to change), each on a fresh profile: a healthy warm-up,
 * then the simulator switches mode and a person keeps using the affected pages while the badge is polled in
 * the worker every 50 ms (chrome.action.getBadgeText / getTitle). Clock start = `firstFailureAt` recorded by
 * the simulator when it served the first failure; clock stop = the first poll whose badge says "provider".
 *
 * Run alone: `npx tsx bench/detection-latency.ts` (prints a Markdown table). Needs `npm run build` first.
 */
import { fileURLToPath } from 'node:url';
import { launchSimBrowser, PAGES, readBadge } from '../sim/browser';
import { startSim, type Sim, type SimMode } from '../sim/server';
import { badgeVerdict, Person } from '../test/browser/sim-scenarios';

export interface LatencyRow {
  scenario: SimMode;
  runs: number;
  medianMs: number;
  p90Ms: number;
  target: 5000;
  pass: boolean;
}

const TARGET = 5000 as const;
const TIMEOUT_MS = 30_000;

const SCENARIOS: { mode: SimMode; warmup: string[]; during: string[] }[] = [
  { mode: 'ak-outage', warmup: [PAGES.console, PAGES.shop], during: [PAGES.console, PAGES.console, PAGES.console] },
  { mode: 'cdn-failure', warmup: [PAGES.shop], during: [PAGES.shop, PAGES.shop, PAGES.shop] },
  { mode: 'yuque-5xx', warmup: [PAGES.yuque, PAGES.shop], during: [PAGES.yuque, PAGES.yuque, PAGES.yuque] },
  { mode: 'undefined-images', warmup: [PAGES.shop], during: [PAGES.shop, PAGES.shop] },
];

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo));
}

/** One run: ms from the first failure served to the provider badge (Infinity if not within TIMEOUT_MS). */
async function runOnce(sim: Sim, s: (typeof SCENARIOS)[number]): Promise<number> {
  sim.setMode('healthy');
  const b = await launchSimBrowser(sim);
  try {
    const person = new Person(b.ctx);
    await person.browse(s.warmup);
    const before = await readBadge(b.sw);
    if (badgeVerdict(before.text) === 'provider')
      throw new Error(`badge already says provider before ${s.mode}: ${before.title}`);
    sim.setMode(s.mode);
    let done = false;
    const browsing = (async () => {
      for (const url of s.during) {
        if (done) break;
        await person.browse([url]);
      }
    })();
    const deadline = Date.now() + TIMEOUT_MS;
    let seen = Infinity;
    while (Date.now() < deadline) {
      const badge = await readBadge(b.sw);
      if (badgeVerdict(badge.text) === 'provider') {
        seen = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    done = true;
    await browsing.catch(() => undefined);
    const first = sim.state().firstFailureAt;
    if (first === null) throw new Error(`${s.mode}: the simulator served no failure`);
    return seen === Infinity ? Infinity : seen - first;
  } finally {
    await b.close();
  }
}

export async function benchDetectionLatency(): Promise<{ rows: LatencyRow[] }> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const sim = await startSim({ quiet: true });
  const rows: LatencyRow[] = [];
  try {
    for (const s of SCENARIOS) {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push(await runOnce(sim, s));
      ms.sort((a, b) => a - b);
      const medianMs = quantile(ms, 0.5);
      const p90Ms = quantile(ms, 0.9);
      rows.push({ scenario: s.mode, runs, medianMs, p90Ms, target: TARGET, pass: medianMs <= TARGET });
    }
  } finally {
    await sim.close();
  }
  return { rows };
}

/** The rows as a Markdown table (bench/run.ts prints it too). */
export function detectionLatencyTable(rows: LatencyRow[]): string {
  const fmt = (n: number) => (Number.isFinite(n) ? String(n) : `> ${TIMEOUT_MS}`);
  return [
    '| scenario | runs | median ms | p90 ms | target ms | pass |',
    '|---|---:|---:|---:|---:|:---:|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.runs} | ${fmt(r.medianMs)} | ${fmt(r.p90Ms)} | ${r.target} | ${r.pass ? 'yes' : 'NO'} |`,
    ),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchDetectionLatency()
    .then(({ rows }) => {
      console.log('\nDetection latency: first failure served → provider badge (Chromium, built extension)\n');
      console.log(detectionLatencyTable(rows));
      process.exit(rows.every((r) => r.pass) ? 0 : 1);
    })
    .catch((e) => {
      console.error(e);
      process.exit(2);
    });
}
