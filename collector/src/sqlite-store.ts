/**
 * Embedded store: SQLite through better-sqlite3. One process only (use the Redis store to scale out).
 *
 * Write-behind: ingest() decides dedupe in memory (the set of (service, token) seen per 15-minute window, loaded
 * from the `reporters` table the first time a window is touched) and folds reports into pending aggregates; a
 * flush writes them in ONE transaction with prepared statements every FLUSH_MS (or sooner when many are
 * pending, and always before a read, a prune or close). A crash loses at most FLUSH_MS of reports.
 * The rate-limit counter lives in memory too: a single process owns the file, so memory is the shared state.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import {
  CROWD_SERVICES,
  DAY_MS,
  DEDUPE_WINDOW_MS,
  MINUTE_MS,
  type CrowdService,
  type ReportPhase,
  type ReportVerdict,
} from '../../src/core/crowd/protocol';
import {
  HOURLY_RETENTION_MS,
  RAW_RETENTION_MS,
  dedupeWindowOf,
  hourOf,
  type IngestReport,
  type ServiceCounts,
  type Store,
} from './store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  service TEXT NOT NULL, minute INTEGER NOT NULL, phase TEXT NOT NULL, verdict TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (service, minute, phase, verdict)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS buckets_minute ON buckets (minute);
CREATE TABLE IF NOT EXISTS reporters (
  service TEXT NOT NULL, minute INTEGER NOT NULL, token TEXT NOT NULL,
  PRIMARY KEY (service, minute, token)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS addresses (
  service TEXT NOT NULL, minute INTEGER NOT NULL, addr TEXT NOT NULL,
  PRIMARY KEY (service, minute, addr)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hourly (
  service TEXT NOT NULL, hour INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (service, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS salts (day INTEGER PRIMARY KEY, salt TEXT NOT NULL);
`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly st;
  private readonly flushTx: (p: Pending) => void;
  private readonly pruneTx: (now: number) => number;
  /** Dedupe window → `${service}\t${token}` already counted in it. */
  private readonly windows = new Map<number, Set<string>>();
  private maxWindow = -Infinity;
  private pending: Pending = newPending();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly rate = new Map<string, number>();
  private rateWindow = -1;
  private readonly flushMs: number;

  constructor(path: string, opts: { flushMs?: number } = {}) {
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.db = new Database(path);
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -65536'); // 64 MiB
    this.db.exec(SCHEMA);
    const db = this.db;
    // `service IN (…)` lets SQLite range-scan the (service, minute, …) primary keys instead of the whole table.
    const IN = `service IN (${CROWD_SERVICES.map((x) => `'${x}'`).join(',')})`;
    this.st = {
      windowTokens: db.prepare<[number, number], { service: string; token: string }>(
        `SELECT service, token FROM reporters WHERE ${IN} AND minute >= ? AND minute < ?`,
      ),
      bucket: db.prepare<[string, number, string, string, number]>(
        'INSERT INTO buckets (service, minute, phase, verdict, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      ),
      reporter: db.prepare<[string, number, string]>(
        'INSERT OR IGNORE INTO reporters (service, minute, token) VALUES (?, ?, ?)',
      ),
      address: db.prepare<[string, number, string]>(
        'INSERT OR IGNORE INTO addresses (service, minute, addr) VALUES (?, ?, ?)',
      ),
      hourly: db.prepare<[string, number, number]>(
        'INSERT INTO hourly (service, hour, n) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      ),
      buckets60: db.prepare<[number], { service: string; minute: number; phase: string; verdict: string; n: number }>(
        'SELECT service, minute, phase, verdict, n FROM buckets WHERE minute >= ?',
      ),
      reporters15: db.prepare<[number], { service: string; c: number }>(
        `SELECT service, COUNT(DISTINCT token) AS c FROM reporters WHERE ${IN} AND minute >= ? GROUP BY service`,
      ),
      addresses15: db.prepare<[number], { service: string; c: number }>(
        `SELECT service, COUNT(DISTINCT addr) AS c FROM addresses WHERE ${IN} AND minute >= ? GROUP BY service`,
      ),
      hourlyAt: db.prepare<[number], { service: string; n: number }>('SELECT service, n FROM hourly WHERE hour = ?'),
      saltPut: db.prepare<[number, string]>('INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)'),
      saltGet: db.prepare<[number], { salt: string }>('SELECT salt FROM salts WHERE day = ?'),
      bucketCount: db.prepare<[], { c: number }>(
        'SELECT COUNT(*) AS c FROM (SELECT DISTINCT service, minute FROM buckets)',
      ),
      pruneBuckets: db.prepare<[number]>('DELETE FROM buckets WHERE minute < ?'),
      pruneReporters: db.prepare<[number]>(`DELETE FROM reporters WHERE ${IN} AND minute < ?`),
      pruneAddresses: db.prepare<[number]>(`DELETE FROM addresses WHERE ${IN} AND minute < ?`),
      pruneHourly: db.prepare<[number]>('DELETE FROM hourly WHERE hour < ?'),
      pruneSalts: db.prepare<[number]>('DELETE FROM salts WHERE day < ?'),
    };
    const st = this.st;
    this.flushTx = db.transaction((p: Pending): void => {
      for (const [k, n] of p.buckets) {
        const [service, minute, phase, verdict] = k.split('\t') as [string, string, string, string];
        st.bucket.run(service, Number(minute), phase, verdict, n);
      }
      for (const [k, n] of p.hourly) {
        const [service, hour] = k.split('\t') as [string, string];
        st.hourly.run(service, Number(hour), n);
      }
      for (const r of p.reporters) st.reporter.run(r.service, r.minute, r.token);
      for (const k of p.addresses) {
        const [service, minute, addr] = k.split('\t') as [string, string, string];
        st.address.run(service, Number(minute), addr);
      }
    });
    this.pruneTx = db.transaction((now: number): number => {
      const cut = now - RAW_RETENTION_MS;
      let n = 0;
      n += st.pruneBuckets.run(cut).changes;
      n += st.pruneReporters.run(cut).changes;
      n += st.pruneAddresses.run(cut).changes;
      n += st.pruneHourly.run(now - HOURLY_RETENTION_MS).changes;
      n += st.pruneSalts.run(Math.floor(now / DAY_MS) - 1).changes;
      return n;
    });
  }

  async hit(addr: string, window: number): Promise<number> {
    if (window !== this.rateWindow) {
      this.rate.clear();
      this.rateWindow = window;
    }
    const n = (this.rate.get(addr) ?? 0) + 1;
    this.rate.set(addr, n);
    return n;
  }

  private windowSet(win: number): Set<string> {
    let set = this.windows.get(win);
    if (set) return set;
    this.flush(); // rows of this window may still be pending
    set = new Set();
    for (const row of this.st.windowTokens.all(win * DEDUPE_WINDOW_MS, (win + 1) * DEDUPE_WINDOW_MS)) {
      set.add(`${row.service}\t${row.token}`);
    }
    this.windows.set(win, set);
    if (win > this.maxWindow) {
      this.maxWindow = win;
      for (const w of this.windows.keys()) if (w < win - KEEP_WINDOWS) this.windows.delete(w);
    }
    return set;
  }

  async ingest(reports: readonly IngestReport[], addr: string): Promise<number> {
    let counted = 0;
    for (const r of reports) {
      const set = this.windowSet(dedupeWindowOf(r.minute, DEDUPE_WINDOW_MS)); // may flush: read this.pending after
      const p = this.pending;
      const key = `${r.service}\t${r.token}`;
      if (set.has(key)) continue;
      set.add(key);
      counted++;
      const bk = `${r.service}\t${r.minute}\t${r.phase}\t${r.verdict}`;
      p.buckets.set(bk, (p.buckets.get(bk) ?? 0) + 1);
      const hk = `${r.service}\t${hourOf(r.minute)}`;
      p.hourly.set(hk, (p.hourly.get(hk) ?? 0) + 1);
      p.reporters.push(r);
      p.addresses.add(`${r.service}\t${r.minute}\t${addr}`);
    }
    const p = this.pending;
    if (p.reporters.length >= MAX_PENDING) this.flush();
    else if (counted > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        try {
          this.flush();
        } catch (err) {
          console.error(`collector: sqlite flush failed, pending reports lost: ${(err as Error).message}`);
        }
      }, this.flushMs);
      this.flushTimer.unref();
    }
    return counted;
  }

  /** Write pending aggregates in one transaction. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const p = this.pending;
    if (p.reporters.length === 0 || !this.db.open) return;
    this.pending = newPending();
    this.flushTx(p);
  }

  async counts(now: number, baselineDays: number): Promise<ServiceCounts[]> {
    this.flush();
    const cur = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const from60 = cur - 59 * MINUTE_MS;
    const from15 = cur - 14 * MINUTE_MS;
    const from5 = cur - 4 * MINUTE_MS;
    const out = new Map<string, ServiceCounts>();
    for (const s of CROWD_SERVICES) out.set(s, emptyCounts(s));
    for (const row of this.st.buckets60.all(from60)) {
      const c = out.get(row.service);
      if (!c || row.minute > cur) continue;
      c.m60 += row.n;
      if (row.minute >= from15) {
        c.m15 += row.n;
        const p = row.phase as ReportPhase;
        const v = row.verdict as ReportVerdict;
        c.byPhase15[p] = (c.byPhase15[p] ?? 0) + row.n;
        c.byVerdict15[v] = (c.byVerdict15[v] ?? 0) + row.n;
      }
      if (row.minute >= from5) c.m5 += row.n;
    }
    for (const row of this.st.reporters15.all(from15)) {
      const c = out.get(row.service);
      if (c) c.reporters15 = row.c;
    }
    for (const row of this.st.addresses15.all(from15)) {
      const c = out.get(row.service);
      if (c) c.addresses15 = row.c;
    }
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    for (let d = 1; d <= baselineDays; d++) {
      for (const row of this.st.hourlyAt.all(hour - d * DAY_MS)) {
        const c = out.get(row.service);
        if (c) c.baselineSum += row.n;
      }
    }
    return [...out.values()];
  }

  async dailySalt(day: number): Promise<string> {
    this.st.saltPut.run(day, randomBytes(32).toString('hex'));
    return this.st.saltGet.get(day)!.salt;
  }

  async prune(now: number): Promise<number> {
    this.flush();
    const cutWin = dedupeWindowOf(now - RAW_RETENTION_MS, DEDUPE_WINDOW_MS);
    for (const w of this.windows.keys()) if (w < cutWin) this.windows.delete(w);
    return this.pruneTx(now);
  }

  async bucketCount(): Promise<number> {
    this.flush();
    return this.st.bucketCount.get()?.c ?? 0;
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }
}

/** Longest delay before pending reports reach the database. */
export const FLUSH_MS = 200;
/** Flush at once when this many counted reports are pending. */
export const MAX_PENDING = 5000;
/** Dedupe windows kept in memory behind the newest one seen (reports older than 15 min are never counted). */
const KEEP_WINDOWS = 3;

interface Pending {
  buckets: Map<string, number>;
  hourly: Map<string, number>;
  reporters: IngestReport[];
  addresses: Set<string>;
}

function newPending(): Pending {
  return { buckets: new Map(), hourly: new Map(), reporters: [], addresses: new Set() };
}

export function emptyCounts(service: CrowdService): ServiceCounts {
  return {
    service,
    m5: 0,
    m15: 0,
    m60: 0,
    reporters15: 0,
    addresses15: 0,
    baselineSum: 0,
    byPhase15: {},
    byVerdict15: {},
  };
}
