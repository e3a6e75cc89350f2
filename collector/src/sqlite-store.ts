/**
 * Embedded store: SQLite through better-sqlite3, ONE process per file. The file is locked exclusively at open
 * (locking_mode EXCLUSIVE, taken at once): a second collector on the same file fails with one clear line instead
 * of double-counting. To run several instances, use the Redis store.
 *
 * Write-behind: ingest() decides "already voted this minute" in memory (per-minute sets, reloaded from the
 * `votes` table when a minute is first touched) and queues rows; a flush writes them in ONE transaction every
 * FLUSH_MS (or sooner when many are pending, and always before a read, a prune or close). A crash loses at most
 * FLUSH_MS of votes. Rate-limit counters live in memory too: this process owns the file.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { CROWD_SERVICES, DAY_MS, MINUTE_MS } from '../../src/core/crowd/protocol';
import {
  RAW_RETENTION_MS,
  ROLLUP_RETENTION_MS,
  type DistinctRow,
  type MinuteRow,
  type PruneLimits,
  type RollupRow,
  type Store,
  type Vote,
} from './store';

/** Schema version (PRAGMA user_version). Older files (minute buckets of reports) are dropped and start afresh. */
const SCHEMA_VERSION = 2;
const OLD_TABLES = ['buckets', 'reporters', 'addresses', 'hourly'];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS votes (
  service TEXT NOT NULL, minute INTEGER NOT NULL, voter TEXT NOT NULL, net TEXT NOT NULL,
  PRIMARY KEY (service, minute, voter)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minutes (
  service TEXT NOT NULL, minute INTEGER NOT NULL, phase TEXT NOT NULL, verdict TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (service, minute, phase, verdict)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollups (
  service TEXT NOT NULL, quarter INTEGER NOT NULL, voters INTEGER NOT NULL, networks INTEGER NOT NULL,
  PRIMARY KEY (service, quarter)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS salts (day INTEGER PRIMARY KEY, salt TEXT NOT NULL);
`;

/** The file is in use by another collector (or another program holding a write lock). */
export class DatabaseLockedError extends Error {}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly st;
  private readonly flushTx: (votes: Vote[]) => void;
  /** Minute → `${service}\t${voter}` already stored (or pending) for it. */
  private readonly seen = new Map<number, Set<string>>();
  private pending: Vote[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly rate = new Map<string, number>();
  private rateWindow = -1;
  private readonly flushMs: number;
  /** Vote rows in the file (kept in step with inserts and deletes; counted once at open). */
  private held: number;

  constructor(path: string, opts: { flushMs?: number } = {}) {
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.db = new Database(path, { timeout: 0 });
    const db = this.db;
    try {
      if (path !== ':memory:') {
        db.pragma('locking_mode = EXCLUSIVE');
        db.pragma('journal_mode = WAL');
        db.exec('BEGIN EXCLUSIVE; COMMIT;'); // take the lock now, not at the first write
      }
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new DatabaseLockedError(
          `${path} is in use by another collector: one collector per SQLite file (for several instances use COLLECTOR_STORE=redis)`,
        );
      }
      throw err;
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536'); // 64 MiB
    if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
      for (const t of OLD_TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    // `service IN (…)` lets SQLite range-scan the (service, minute, …) primary keys instead of the whole table.
    const IN = `service IN (${CROWD_SERVICES.map((x) => `'${x}'`).join(',')})`;
    this.st = {
      minuteVoters: db.prepare<[number], { service: string; voter: string }>(
        `SELECT service, voter FROM votes WHERE ${IN} AND minute = ?`,
      ),
      vote: db.prepare<[string, number, string, string]>(
        'INSERT OR IGNORE INTO votes (service, minute, voter, net) VALUES (?, ?, ?, ?)',
      ),
      minute: db.prepare<[string, number, string, string, number]>(
        'INSERT INTO minutes (service, minute, phase, verdict, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      ),
      minuteRows: db.prepare<[number, number], MinuteRow>(
        `SELECT service, minute, phase, verdict, n FROM minutes WHERE ${IN} AND minute >= ? AND minute < ?`,
      ),
      distinct: db.prepare<[number, number], DistinctRow>(
        `SELECT service, COUNT(DISTINCT voter) AS voters, COUNT(DISTINCT net) AS networks FROM votes
         WHERE ${IN} AND minute >= ? AND minute < ? GROUP BY service`,
      ),
      rollups: db.prepare<[number, number], RollupRow>(
        `SELECT service, quarter, voters, networks FROM rollups WHERE ${IN} AND quarter >= ? AND quarter < ?`,
      ),
      saveRollup: db.prepare<[string, number, number, number]>(
        `INSERT INTO rollups (service, quarter, voters, networks) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET voters = excluded.voters, networks = excluded.networks`,
      ),
      saltPut: db.prepare<[number, string]>('INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)'),
      saltGet: db.prepare<[number], { salt: string }>('SELECT salt FROM salts WHERE day = ?'),
      countVotes: db.prepare<[], { c: number }>('SELECT COUNT(*) AS c FROM votes'),
      votesPerMinute: db.prepare<[], { minute: number; c: number }>(
        'SELECT minute, SUM(n) AS c FROM minutes GROUP BY minute ORDER BY minute',
      ),
      pruneVotes: db.prepare<[number]>(`DELETE FROM votes WHERE ${IN} AND minute < ?`),
      pruneMinutes: db.prepare<[number]>(`DELETE FROM minutes WHERE ${IN} AND minute < ?`),
      pruneRollups: db.prepare<[number]>(`DELETE FROM rollups WHERE ${IN} AND quarter < ?`),
      pruneSalts: db.prepare<[number]>('DELETE FROM salts WHERE day < ?'),
    };
    const st = this.st;
    // One upsert per (service, minute, phase, verdict) of the batch, not one per vote: a batch holds thousands of
    // votes and a handful of such keys.
    this.flushTx = db.transaction((votes: Vote[]): void => {
      const counts = new Map<string, { v: Vote; n: number }>();
      for (const v of votes) {
        if (st.vote.run(v.service, v.minute, v.voter, v.net).changes === 0) continue;
        this.held++;
        const key = `${v.service}\t${v.minute}\t${v.phase}\t${v.verdict}`;
        const c = counts.get(key);
        if (c) c.n++;
        else counts.set(key, { v, n: 1 });
      }
      for (const { v, n } of counts.values()) st.minute.run(v.service, v.minute, v.phase, v.verdict, n);
    });
    this.held = st.countVotes.get()?.c ?? 0;
  }

  async hit(key: string, window: number): Promise<number> {
    if (window !== this.rateWindow) {
      this.rate.clear();
      this.rateWindow = window;
    }
    const n = (this.rate.get(key) ?? 0) + 1;
    this.rate.set(key, n);
    return n;
  }

  private minuteSet(minute: number): Set<string> {
    let set = this.seen.get(minute);
    if (set) return set;
    this.flush(); // rows of this minute may still be pending
    set = new Set();
    for (const row of this.st.minuteVoters.all(minute)) set.add(`${row.service}\t${row.voter}`);
    this.seen.set(minute, set);
    for (const m of this.seen.keys()) if (m < minute - KEEP_MINUTES * MINUTE_MS) this.seen.delete(m);
    return set;
  }

  async ingest(votes: readonly Vote[]): Promise<number> {
    let counted = 0;
    for (const v of votes) {
      const set = this.minuteSet(v.minute); // may flush: push to this.pending after
      const key = `${v.service}\t${v.voter}`;
      if (set.has(key)) continue;
      set.add(key);
      this.pending.push(v);
      counted++;
    }
    if (this.pending.length >= MAX_PENDING) this.flush();
    else if (counted > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        try {
          this.flush();
        } catch (err) {
          console.error(`collector: sqlite flush failed, pending votes lost: ${(err as Error).message}`);
        }
      }, this.flushMs);
      this.flushTimer.unref();
    }
    return counted;
  }

  /** Write pending votes in one transaction. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const p = this.pending;
    if (p.length === 0 || !this.db.open) return;
    this.pending = [];
    this.flushTx(p);
  }

  async minuteRows(from: number, to: number): Promise<MinuteRow[]> {
    this.flush();
    return this.st.minuteRows.all(from, to);
  }

  async distinct(from: number, to: number): Promise<DistinctRow[]> {
    this.flush();
    return this.st.distinct.all(from, to);
  }

  async rollups(from: number, to: number): Promise<RollupRow[]> {
    return this.st.rollups.all(from, to);
  }

  async saveRollups(rows: readonly RollupRow[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) this.st.saveRollup.run(r.service, r.quarter, r.voters, r.networks);
    })();
  }

  async dailySalt(day: number): Promise<string> {
    this.st.saltPut.run(day, randomBytes(32).toString('hex'));
    return this.st.saltGet.get(day)!.salt;
  }

  async prune(now: number, limits?: PruneLimits): Promise<number> {
    this.flush();
    let cut = now - RAW_RETENTION_MS;
    if (limits && this.held > limits.maxVotes) {
      // Oldest minutes first until the rest fits.
      let total = this.held;
      for (const row of this.st.votesPerMinute.all()) {
        if (total <= limits.maxVotes) break;
        total -= row.c;
        cut = Math.max(cut, row.minute + MINUTE_MS);
      }
    }
    return this.db.transaction((): number => {
      const votes = this.st.pruneVotes.run(cut).changes;
      this.held = Math.max(0, this.held - votes);
      return (
        votes +
        this.st.pruneMinutes.run(cut).changes +
        this.st.pruneRollups.run(now - ROLLUP_RETENTION_MS).changes +
        this.st.pruneSalts.run(Math.floor(now / DAY_MS) - 1).changes
      );
    })();
  }

  async volume(): Promise<number> {
    this.flush();
    return this.held;
  }

  async health(): Promise<{ ok: true } | { ok: false; detail: string }> {
    return this.db.open ? { ok: true } : { ok: false, detail: 'database closed' };
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }
}

/** Longest delay before pending votes reach the database. */
export const FLUSH_MS = 200;
/** Flush at once when this many votes are pending. */
export const MAX_PENDING = 5000;
/** Minutes of "already voted" sets kept in memory behind the newest (votes carry the collector's minute). */
const KEEP_MINUTES = 2;
