/**
 * Joins what the page saw (a broken <img>) with what webRequest saw for the same picture: a bounded map of
 * recent image outcomes keyed by host + path shape. O(1) per outcome; memory only.
 */
import type { FailureKind, RequestOutcome } from '../types';

const MAX = 1000;

export class ImageAttribution {
  private readonly seen = new Map<string, { status: number; kind: FailureKind }>();

  note(o: RequestOutcome): void {
    if (o.type !== 'image') return;
    const key = o.host + o.path;
    this.seen.delete(key);
    this.seen.set(key, { status: o.status, kind: o.kind });
    if (this.seen.size > MAX) this.seen.delete(this.seen.keys().next().value!);
  }

  lookup(host: string, path: string): { status?: number; failure?: FailureKind } {
    const s = this.seen.get(host + path);
    if (!s) return {};
    const out: { status?: number; failure?: FailureKind } = { failure: s.kind };
    if (s.status > 0) out.status = s.status;
    return out;
  }
}
