/**
 * Screenshot gallery: the real popup App (or the options page) with the MOCK connector, chosen by the URL:
 *   ?verdict=provider|user|healthy|unclear&lang=zh_CN|en[&fixture=cookies-blocked][&origin=https://…][&hang=1]
 *    [&access=missing][&private=allowed][&page=options|welcome]
 */
import { render } from 'preact';
import { App } from '../../../src/popup/App';
import { OptionsApp } from '../../../src/options/App';
import { Welcome } from '../../../src/welcome/Welcome';
import { createMockConnector } from '../../../src/ui/connector-mock';
import { EXTRA_FIXTURES, FIXTURES, FIXTURE_NOW, FIXTURE_TEXTS } from '../../../src/ui/fixtures';
import { applyTheme } from '../../../src/ui/theme';
import type { Verdict } from '../../../src/core/types';
import type { Lang } from '../../../src/core/i18n/messages';
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
  render(<App connector={connector} lang={lang} fallbacks={FIXTURE_TEXTS} now={() => FIXTURE_NOW} />, root);
}
