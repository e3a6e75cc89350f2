/**
 * Screenshot gallery: the real popup App (or the options page) with the MOCK connector, chosen by the URL:
 *   ?verdict=provider|user|healthy|unclear&lang=zh_CN|en[&fixture=cookies-blocked][&origin=https://…][&hang=1]
 *    [&access=missing][&private=allowed][&page=options|welcome]
 */
import { render } from 'preact';
import { App } from '../../../src/popup/App';
import { OptionsApp } from '../../../src/options/App';
import { Welcome } from '../../../src/welcome/Welcome';
import { createMockConnector } from '../../fixtures/connector-mock';
import { EXTRA_FIXTURES, FIXTURES, FIXTURE_NOW } from '../../fixtures/popup-states';
import { applyTheme } from '../../../src/ui/theme';
import type { Verdict } from '../../../src/core/types';
import type { Lang } from '../../../src/core/i18n/messages';
import { CrowdQueue, type CrowdPreview } from '../../../src/core/crowd/queue';

/** The options page's crowd preview as the background would build it from the provider fixture's failures. */
function fixturePreview(): CrowdPreview {
  const q = new CrowdQueue();
  for (const o of FIXTURES.provider.recentFailures) q.offer(o, '0.1.0', FIXTURE_NOW);
  q.stamp('provider');
  const next = q.nextBatch('0123456789abcdef0123456789abcdef')!;
  const url = 'https://collector.example.com/v1/reports';
  const bytes = new TextEncoder().encode(next.body).length;
  const last = { at: FIXTURE_NOW - 60_000, ok: true, message: '202' };
  return {
    state: 'batch',
    url,
    body: next.body,
    bytes,
    reports: next.n,
    queued: q.ready,
    pending: 0,
    teamKey: false,
    last,
  };
}
import '../../../src/ui/styles.css';
import '../../../src/options/options.css';

const q = new URLSearchParams(location.search);
const verdict = (q.get('verdict') ?? 'provider') as Verdict;
const lang = (q.get('lang') === 'en' ? 'en' : 'zh_CN') as Lang;
if (!(verdict in FIXTURES)) throw new Error(`unknown verdict ${verdict}`);

const extra = q.get('fixture');
if (extra && !EXTRA_FIXTURES[extra]) throw new Error(`unknown fixture ${extra}`);
const connector = createMockConnector({
  verdict,
  ...(extra ? { state: EXTRA_FIXTURES[extra] } : {}),
  hang: q.has('hang'),
  uiLanguage: lang === 'zh_CN' ? 'zh-CN' : 'en-US',
  lang,
  activeOrigin: q.get('origin'),
  hostAccess: q.get('access') !== 'missing',
  privateWindows: { allowed: q.get('private') === 'allowed', browser: 'chrome' },
  ...(q.get('page') === 'options'
    ? {
        settings: { crowdEnabled: true, crowdChosen: true, collectorUrl: 'https://collector.example.com/' },
        crowdPreview: fixturePreview(),
        ...(q.has('policy')
          ? {
              policy: {
                collectorUrl: 'https://collector.example.com/',
                crowdMode: 'forced' as const,
                extraDomains: ['shop.example.com'],
              },
            }
          : {}),
      }
    : {}),
});
(window as unknown as { __calls: unknown }).__calls = connector.calls;

applyTheme(document);
const root = document.getElementById('app')!;
if (q.get('page') === 'options') {
  document.body.classList.remove('popup');
  document.body.classList.add('options-page');
  render(<OptionsApp connector={connector} />, root);
} else if (q.get('page') === 'welcome') {
  document.body.classList.remove('popup');
  document.body.classList.add('options-page');
  render(<Welcome connector={connector} />, root);
} else {
  render(<App connector={connector} lang={lang} now={() => FIXTURE_NOW} />, root);
}
