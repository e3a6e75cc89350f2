/**
 * The first-run page, in the browser's language (or the `lang` setting): what Faultline watches, what it keeps
 * and where, that nothing leaves the browser unless crowd mode is on, whether private windows are watched — and
 * host access: checked at once and whenever permissions change; where it is missing (Firefox, or withdrawn
 * later), one button asks for it with permissions.request on the click itself.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Lang } from '../core/i18n/messages';
import { DOMAINS } from '../core/catalogue/services';
import { defaults } from '../core/settings';
import { withTimeout, type Connector } from '../ui/connector-api';
import { PrivateWindowsNote } from '../ui/private-windows';
import { useHostAccess } from '../ui/host-access';
import { effectiveLang, makeResolver } from '../ui/texts';

export function Welcome({ connector }: { connector: Connector }) {
  const [lang, setLang] = useState<Lang>(() => effectiveLang('auto', connector.uiLanguage()));
  const [retention, setRetention] = useState(defaults().retentionDays);
  const access = useHostAccess(connector);
  const [denied, setDenied] = useState(false);
  const tx = useMemo(() => makeResolver(lang), [lang]);
  const T = (key: string, ...args: (string | number)[]) => tx({ key, args });

  useEffect(() => {
    withTimeout(connector.getSettings(), 3000).then(
      (s) => {
        setLang(effectiveLang(s.lang, connector.uiLanguage()));
        setRetention(s.retentionDays);
      },
      () => undefined,
    );
    // Reading the policy here keeps the background's copy of it current (src/platform/settings-store.ts).
    connector.getPolicy().catch(() => undefined);
  }, [connector]);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
    document.title = T('welcome_title');
  }, [lang]);

  const ask = () => {
    // No await before the request: the permission prompt needs the click's user gesture.
    connector.requestHostAccess().then(
      // Granted: permissions.onAdded updates `access`.
      (granted) => setDenied(!granted),
      () => setDenied(true),
    );
  };

  return (
    <main class="options welcome" data-lang={lang} data-access={access === null ? '' : access ? 'granted' : 'missing'}>
      <h1>{T('welcome_title')}</h1>
      <p class="muted">{T('welcome_intro')}</p>

      <section class="card" aria-labelledby="w-access">
        <h2 id="w-access">{T('welcome_access_title')}</h2>
        {access === false ? (
          <>
            <p>{T('welcome_access_missing')}</p>
            <button type="button" class="btn btn-primary" data-action="grant-access" onClick={ask}>
              {T('popup_access_grant')}
            </button>
            {denied && (
              <p class="err small" role="status">
                {T('popup_access_denied')}
              </p>
            )}
          </>
        ) : (
          access && <p>{T('welcome_access_ok')}</p>
        )}
      </section>

      <section class="card" aria-labelledby="w-watch">
        <h2 id="w-watch">{T('welcome_watch_title')}</h2>
        <p>{T('welcome_watch_body')}</p>
        <details>
          <summary>{T('welcome_watch_domains', DOMAINS.length)}</summary>
          <p class="mono small">{DOMAINS.map((d) => d.domain).join(' · ')}</p>
        </details>
      </section>

      <section class="card" aria-labelledby="w-store">
        <h2 id="w-store">{T('welcome_store_title')}</h2>
        <p>{T('welcome_store_body', retention)}</p>
      </section>

      <section class="card" aria-labelledby="w-leave">
        <h2 id="w-leave">{T('welcome_leave_title')}</h2>
        <p>{T('welcome_leave_body')}</p>
      </section>

      <section class="card" aria-labelledby="w-private">
        <h2 id="w-private">{T('options_private_title')}</h2>
        <PrivateWindowsNote connector={connector} tx={tx} />
      </section>

      <p style={{ marginTop: '16px' }}>
        <button type="button" class="btn btn-secondary" onClick={() => void connector.openOptions()}>
          {T('welcome_open_options')}
        </button>
      </p>
    </main>
  );
}
