/**
 * Does the background sleep? Both browsers at once (they are idle: running them side by side costs nothing), each
 * with the SHIPPED build (dist/chrome, dist/firefox) and the browser's own idle timing (Chromium's ~30 s for an
 * extension service worker; Firefox's extensions.background.idle.timeout default, 30 s).
 *
 * A person browses the simulated shop while its CDN fails (a provider verdict, events in the engine's window, so
 * the minute tick alarm runs), closes the tab, and then nothing happens for BENCH_IDLE_MINUTES (default 3) after
 * the browser first stops the background. Watched from outside, without keeping anything awake
 * (test/browser/lifecycle.ts): Chromium over raw CDP (worker target created / destroyed; storage.session changes
 * seen by an extension page that never messages the worker), Firefox from its parent process (event page
 * started / suspended; every storage.session write).
 *
 * Figures: time from the last traffic to the background stopping; per idle minute, wake-ups (target: 1 per alarm,
 * the minute tick) and storage.session writes (target: 0 — nothing changed); how long each wake-up kept the
 * background running. Run alone: `npx tsx bench/lifecycle.ts`. Needs `npm run build` first.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../sim/server';
import { DIST_CHROME, DIST_FIREFOX, launchFirefox, requireBuild } from '../test/browser/harness';
import { chromiumIdle, firefoxIdle, type IdleReport } from '../test/browser/lifecycle';

export interface LifecycleRow {
  browser: 'Chromium' | 'Firefox ESR';
  stoppedAfterS: number;
  idleMinutes: number;
  wakeUps: number;
  wakeUpsPerMinute: number;
  /** The minute tick alarms due in the idle period. */
  alarms: number;
  writesAfterTraffic: number;
  idleWrites: number;
  idleWritesPerMinute: number;
  /** What each idle write wrote: its keys, seconds after the first stop. */
  idleWriteKeys: string[];
  awakeS: number[];
  pass: boolean;
}

const IDLE_MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 3);

function row(browser: LifecycleRow['browser'], r: IdleReport): LifecycleRow {
  const firstStop = r.stops[0]!;
  const minutes = (r.end - firstStop) / 60_000;
  const wakes = r.starts.filter((t) => t > firstStop);
  const idle = r.writes.filter((w) => w.t > firstStop);
  const idleWrites = idle.length;
  const awakeS = wakes.map((t) => {
    const stop = r.stops.find((s) => s > t);
    return stop === undefined ? NaN : Math.round((stop - t) / 100) / 10;
  });
  const alarms = Math.floor(minutes + 0.5);
  return {
    browser,
    stoppedAfterS: Math.round(r.stoppedAfterMs / 100) / 10,
    idleMinutes: Math.round(minutes * 10) / 10,
    wakeUps: wakes.length,
    wakeUpsPerMinute: Math.round((wakes.length / minutes) * 100) / 100,
    alarms,
    writesAfterTraffic: r.writes.filter((w) => w.t <= firstStop).length,
    idleWrites,
    idleWritesPerMinute: Math.round((idleWrites / minutes) * 100) / 100,
    idleWriteKeys: idle.map((w) => `${w.keys.join('+')} at ${Math.round((w.t - firstStop) / 100) / 10} s`),
    awakeS,
    pass: wakes.length <= alarms + 1 && idleWrites === 0,
  };
}

/** BENCH_LIFECYCLE_DIST=<dir with chrome/ and firefox/> measures other builds (e.g. an older release) the same way. */
const OTHER = process.env.BENCH_LIFECYCLE_DIST;
const CHROME = OTHER ? join(OTHER, 'chrome') : DIST_CHROME;
const FIREFOX = OTHER ? join(OTHER, 'firefox') : DIST_FIREFOX;

export async function benchLifecycle(): Promise<{ rows: LifecycleRow[] }> {
  requireBuild(CHROME);
  requireBuild(FIREFOX);
  const observeMs = IDLE_MINUTES * 60_000;
  const [chromeSim, firefoxSim] = await Promise.all([startSim({ quiet: true }), startSim({ quiet: true })]);
  const fx = await launchFirefox({ port: firefoxSim.port });
  try {
    const [c, f] = await Promise.all([
      chromiumIdle(CHROME, { sim: chromeSim, observeMs }),
      firefoxIdle(fx, FIREFOX, { sim: firefoxSim, observeMs }),
    ]);
    return { rows: [row('Chromium', c), row('Firefox ESR', f)] };
  } finally {
    await fx.close();
    await Promise.all([chromeSim.close(), firefoxSim.close()]);
  }
}

export function lifecycleTable(rows: LifecycleRow[]): string {
  const f = (n: number) => (Number.isFinite(n) ? String(n) : 'still running');
  return [
    `After the last traffic (the simulated shop with its CDN failing: a provider verdict, events in the window), ${IDLE_MINUTES} idle minutes after the browser first stopped the background; shipped builds, the browsers' default idle timing.`,
    '',
    '| browser | last traffic → background stopped | idle minutes watched | wake-ups (per minute) | minute-tick alarms due | storage.session writes after the traffic, before the stop | writes while idle (per minute) | what they wrote (after the first stop) | each wake-up kept it running (s) | pass |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|:---:|',
    ...rows.map(
      (r) =>
        `| ${r.browser} | ${r.stoppedAfterS} s | ${r.idleMinutes} | ${r.wakeUps} (${r.wakeUpsPerMinute}) | ${r.alarms} | ${r.writesAfterTraffic} | ${r.idleWrites} (${r.idleWritesPerMinute}) | ${r.idleWriteKeys.join(', ') || '—'} | ${r.awakeS.map(f).join(', ') || '—'} | ${r.pass ? 'yes' : 'NO'} |`,
    ),
    '',
    'Targets: 1 wake-up per alarm (the minute tick exists only while the engine’s 15-minute window holds events; after that, none), 0 writes when nothing changed.',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchLifecycle()
    .then(({ rows }) => {
      console.log(lifecycleTable(rows));
      process.exit(rows.every((r) => r.pass) ? 0 : 1);
    })
    .catch((e) => {
      console.error(e);
      process.exit(2);
    });
}
