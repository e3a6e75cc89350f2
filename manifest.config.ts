/**
 * One manifest source for both browsers. The target comes from FAULTLINE_TARGET (chrome | firefox), set by
 * scripts/build.mjs; host permissions are derived from the catalogue (src/core/catalogue), never listed here.
 */
import { defineManifest } from '@crxjs/vite-plugin';
import pkg from './package.json' with { type: 'json' };
import { hostPermissions } from './src/core/catalogue/match';

export type Target = 'chrome' | 'firefox';

export function targetFromEnv(): Target {
  const t = process.env.FAULTLINE_TARGET ?? 'chrome';
  if (t !== 'chrome' && t !== 'firefox') throw new Error(`FAULTLINE_TARGET must be chrome or firefox, got ${t}`);
  return t;
}

/** Gecko id: also used by tests (extensions.webextensions.uuids) and the README. */
export const GECKO_ID = 'faultline@faultline.dev';

/**
 * Every permission and why (copied into the README / privacy document; test/unit/conventions.test.ts checks
 * that every permission in the manifest is listed here).
 */
export const PERMISSION_REASONS: Record<string, string> = {
  webRequest:
    'See the outcome (status, network error, request ids) of requests to the watched Alibaba-group hosts. Read-only: nothing is blocked or modified.',
  webNavigation:
    'See page commits and navigation errors per tab, to detect login and redirect loops (e.g. ERR_TOO_MANY_REDIRECTS).',
  storage:
    'Keep settings and the per-session state (storage.session) that lets the background worker tell a wake-up from a cold start.',
  alarms: 'Periodic work without timers in the MV3 worker: flush fallback and retention pruning of the local history.',
  notifications:
    'One desktop notification when a provider-side problem is first detected and one when it clears (can be turned off in the options).',
  cookies:
    'The popup\'s confirmed "clear this site\'s cookies and retry" action: removes the cookies of that one watched site (limited by the host permissions) and counts them. Cookie values are never read into history or reports.',
};

/** Optional permissions, requested only when the user asks for what needs them. */
export const OPTIONAL_PERMISSION_REASONS: Record<string, string> = {
  privacy:
    'Read (never change) whether this browser blocks cookies or third-party cookies, to tell a login loop caused by cookie settings (your side) from one caused by the provider.',
  contentSettings:
    'Chromium only: read (never change) the per-site cookie setting of a looping login site, for the same reason.',
};

export function buildManifest(target: Target) {
  const icons = {
    '16': 'icons/icon-16.png',
    '32': 'icons/icon-32.png',
    '48': 'icons/icon-48.png',
    '128': 'icons/icon-128.png',
  };
  const background =
    target === 'firefox'
      ? { scripts: ['src/background/index.ts'], type: 'module' as const }
      : { service_worker: 'src/background/index.ts', type: 'module' as const };
  return {
    manifest_version: 3 as const,
    name: '__MSG_extName__',
    short_name: 'Faultline',
    description: '__MSG_extDescription__',
    version: pkg.version,
    default_locale: 'en',
    icons,
    action: {
      default_popup: 'src/popup/index.html',
      default_title: '__MSG_actionTitle__',
      default_icon: icons,
    },
    options_ui: { page: 'src/options/index.html', open_in_tab: true },
    background,
    permissions: Object.keys(PERMISSION_REASONS),
    host_permissions: hostPermissions(),
    optional_host_permissions: ['*://*/*'],
    optional_permissions: target === 'firefox' ? ['privacy'] : ['privacy', 'contentSettings'],
    content_scripts: [
      {
        // Broken pictures on watched pages (src/content/broken-images.ts); sends only URL shapes, counts, reasons.
        matches: hostPermissions(),
        js: ['src/content/broken-images.ts'],
        run_at: 'document_idle' as const,
        all_frames: false,
      },
    ],
    ...(target === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              // 142 is the first version that knows data_collection_permissions.
              strict_min_version: '142.0',
              data_collection_permissions: { required: ['none' as const] },
            },
          },
        }
      : {
          minimum_chrome_version: '121',
          // Enterprise policy (src/core/policy.ts): Chrome validates managed storage against this schema.
          storage: { managed_schema: 'managed_schema.json' },
        }),
  };
}

export default defineManifest(() => buildManifest(targetFromEnv()) as never);
