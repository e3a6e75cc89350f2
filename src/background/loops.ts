/**
 * Login and redirect loops per tab: the tab's outcomes, made loop steps by the same function the HAR reader uses
 * (core/loops stepOf: page loads, server redirects, sign-in posts, the browser's loop errors, with the cookie names
 * the tracker saw), and webNavigation events (reloads and typed addresses start a new chain; the browsers' own
 * ERR_TOO_MANY_REDIRECTS / NS_ERROR_REDIRECT_LOOP) feed the one pure detector (src/core/loops). When a loop goes
 * through a login host, the browser's cookie settings are read where an API exists and is permitted
 * (Chromium contentSettings, Firefox privacy.websites.cookieConfig; both optional permissions).
 */
import { browser, contentSettings } from '../platform/browser';
import { RedirectLoopDetector, stepOf, type LoopObservation, type LoopStep } from '../core/loops/redirect-loops';
import type { NavigationEvent } from '../core/convert/navigation';
import type { RequestOutcome } from '../core/types';

/** While a loop persists, report it again at most this often per tab (one observation per hop would flood). */
export const LOOP_REPORT_EVERY_MS = 5_000;

const USER_TRANSITIONS = new Set([
  'typed',
  'auto_bookmark',
  'keyword',
  'generated',
  'start_page',
  'reload',
  'auto_toplevel',
]);
const USER_QUALIFIERS = new Set(['forward_back', 'from_address_bar']);

export class LoopWatch {
  private readonly detector = new RedirectLoopDetector();
  private readonly lastReport = new Map<number, number>();

  constructor(private readonly emit: (o: LoopObservation) => void) {}

  onOutcome(o: RequestOutcome): void {
    if (o.tabId === undefined || o.tabId < 0 || o.source !== 'browser') return;
    const step = stepOf(o);
    if (step) this.push(step);
  }

  onNavigation(ev: NavigationEvent): void {
    if (ev.frameId !== 0) return;
    // A navigation the person started (typed, bookmark, reload, back/forward) begins a new chain; one the page
    // started (client_redirect, or Firefox's plain 'link') does not.
    if (
      ev.kind === 'committed' &&
      !ev.qualifiers?.includes('client_redirect') &&
      (USER_TRANSITIONS.has(ev.transition ?? '') || ev.qualifiers?.some((q) => USER_QUALIFIERS.has(q)))
    ) {
      this.detector.reset(ev.tabId);
      return;
    }
    if (ev.kind === 'error' && ev.errorKind === 'http.redirect_loop')
      this.push({ t: ev.t, tab: ev.tabId, url: ev.host + ev.path, host: ev.host, service: ev.service, kind: 'error' });
  }

  forgetTab(tabId: number): void {
    this.detector.reset(tabId);
    this.lastReport.delete(tabId);
  }

  private push(step: LoopStep): void {
    const o = this.detector.push(step);
    if (!o) return;
    const last = this.lastReport.get(step.tab);
    if (last !== undefined && step.t - last < LOOP_REPORT_EVERY_MS) return;
    this.lastReport.set(step.tab, step.t);
    if (!o.login) {
      this.emit(o);
      return;
    }
    void cookiesBlockedFor(`https://${step.host}/`).then((blocked) => {
      if (blocked !== undefined) o.cookiesBlocked = blocked;
      this.emit(o);
    });
  }
}

interface PrivacyApi {
  websites: {
    cookieConfig?: { get(d: object): Promise<{ value: { behavior?: string } }> };
    thirdPartyCookiesAllowed?: { get(d: object): Promise<{ value: boolean }> };
  };
}

/**
 * Are cookies blocked for this site in the browser's settings? undefined when no API is available or
 * permitted (then the engine decides from whether cookies were set and sent back).
 */
export async function cookiesBlockedFor(url: string): Promise<boolean | undefined> {
  try {
    const cs = contentSettings();
    if (cs?.cookies) {
      const r = await cs.cookies.get({ primaryUrl: url });
      if (r.setting === 'block') return true;
    }
    const privacy = (browser as unknown as { privacy?: PrivacyApi }).privacy;
    const cfg = await privacy?.websites.cookieConfig?.get({});
    if (cfg) return cfg.value.behavior === 'reject_all';
    if (cs?.cookies) return false;
  } catch {
    /* not permitted or not supported */
  }
  return undefined;
}
