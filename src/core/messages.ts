/**
 * The one typed message protocol between the extension's parts. Direction is in the names:
 * UI→BG (popup/options pages), CS→BG (content scripts). The background checks every sender
 * (src/background/messages.ts): UI messages only from the extension's own pages, CS messages only with a tab
 * on a watched or permitted site.
 */
import type { Diagnosis, Observation, RequestOutcome } from './types';

/** What the popup needs to paint: the diagnosis, a failure timeline, and versions for the report. */
export interface PopupState {
  diagnosis: Diagnosis;
  /** Failures per minute over the last hour, oldest first (60 buckets). */
  timeline: { start: number; bucketMs: number; failures: number[]; requests: number[] };
  /** Recent failing outcomes for the evidence list and the export (already sanitized). */
  recentFailures: RequestOutcome[];
  /** Total events in history. */
  stored: number;
  /**
   * How the local history is doing (src/background/history.ts HistoryHealth): 'memory' when IndexedDB could
   * not be opened, events dropped while storage kept failing, the error of a failing write. Shown in the popup
   * footer and the export.
   */
  history?: { storage: 'indexeddb' | 'memory'; dropped: number; failing?: string } | undefined;
  extensionVersion: string;
  /**
   * The official status page beside Faultline's verdict (active checks): its state, its open events,
   * and the lag between Faultline's detection and the first official event (null: none yet). Absent when the
   * status page was not read (healthy, or turned off).
   */
  official?:
    | {
        state: 'alarm' | 'notice' | 'normal' | 'unknown';
        checkedAt: number;
        events: { title: string; start: number | null }[];
        lagMs: number | null;
      }
    | undefined;
  /** Crowd mode: whether it is on, and the collector's status per service (empty when off or unknown). */
  crowd?: import('./crowd/summary').CrowdView | undefined;
}

export type UiToBg =
  | { type: 'ui/get-state' }
  | { type: 'ui/clear-site-cookies'; origin: string }
  | { type: 'ui/retry' }
  | { type: 'ui/clear-history' }
  | { type: 'ui/crowd-preview' };

/**
 * One group of broken pictures on a page as the content script reports it: same reason, host and path shape.
 * `urls`: the pictures' own URLs without query or fragment (at most CS_URLS_PER_GROUP, with how many pictures
 * carry each), so the background can join every picture to what webRequest saw for that very request — many
 * pictures share one path shape. In memory only: never stored, never sent anywhere.
 */
export interface BrokenImageReport {
  host: string;
  path: string;
  reason: Extract<Observation, { kind: 'broken-image' }>['reason'];
  count: number;
  pageHost: string;
  urls?: { url: string; count: number }[];
}

/** How many URLs one broken-picture group carries at most: the content script sends a group once it is full. */
export const CS_URLS_PER_GROUP = 100;

export type CsToBg = {
  type: 'cs/broken-images';
  pageUrlShape: string;
  images: BrokenImageReport[];
};

export type Message = UiToBg | CsToBg;

export interface Replies {
  'ui/get-state': PopupState;
  'ui/clear-site-cookies': { ok: boolean; removed: number };
  'ui/retry': { ok: boolean };
  'ui/clear-history': { ok: boolean };
  'ui/crowd-preview': import('./crowd/queue').CrowdPreview;
  'cs/broken-images': { ok: boolean };
}

/**
 * storage.session key of the worker's last PopupState (memory only): a popup that wakes a stopped worker
 * paints it at once (src/popup/early-state.ts) while the fresh state is computed.
 */
export const SNAPSHOT_KEY = 'faultline.popup';

export const UI_MESSAGE_TYPES = [
  'ui/get-state',
  'ui/clear-site-cookies',
  'ui/retry',
  'ui/clear-history',
  'ui/crowd-preview',
] as const;
export const CS_MESSAGE_TYPES = ['cs/broken-images'] as const;
