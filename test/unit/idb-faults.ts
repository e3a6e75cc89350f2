/**
 * Storage faults for fake-indexeddb, injected where a real browser raises them: the step that stores a record
 * throws, so the request fails with that error and the transaction aborts with it (tx.error.name ===
 * 'QuotaExceededError', as Chromium and Firefox report a full disk or origin quota).
 */
import { IDBFactory } from 'fake-indexeddb';

interface RawStore {
  storeRecord: (...a: unknown[]) => unknown;
}

let rawProto: RawStore | null = null;

/** The prototype of fake-indexeddb's internal object store (found once through a throw-away database). */
async function rawStoreProto(): Promise<RawStore> {
  if (rawProto) return rawProto;
  const f = new IDBFactory();
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = f.open('probe', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const store = db.transaction('s').objectStore('s') as unknown as { _rawObjectStore: object };
  rawProto = Object.getPrototypeOf(store._rawObjectStore) as RawStore;
  db.close();
  return rawProto;
}

export interface Faults {
  /** While set, storing any record fails with this error name (e.g. 'QuotaExceededError', 'UnknownError'). */
  failWith: string | null;
  /** Records whose storing failed (for assertions). */
  refused: number;
  restore(): void;
}

export async function installFaults(): Promise<Faults> {
  const proto = await rawStoreProto();
  const orig = proto.storeRecord;
  const faults: Faults = {
    failWith: null,
    refused: 0,
    restore: () => void (proto.storeRecord = orig),
  };
  proto.storeRecord = function (this: unknown, ...a: unknown[]) {
    if (faults.failWith) {
      faults.refused++;
      throw new DOMException(`simulated ${faults.failWith}`, faults.failWith);
    }
    return orig.apply(this, a);
  };
  return faults;
}

/** Leave behind an empty database named `name` at `version` (no stores): a damaged or foreign schema. */
export function emptyDatabase(factory: IDBFactory, version: number, name = 'faultline'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const r = factory.open(name, version);
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      r.result.close();
      resolve();
    };
  });
}
