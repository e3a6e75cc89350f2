/**
 * The options page. Every change is validated (core/settings `update`) and saved at once. Extra domains ask for
 * the optional host permission on the click itself (permissions.request needs the user gesture).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Lang } from '../core/i18n/messages';
import {
  DEFAULT_CONTROL_SITES,
  RETENTION_MAX,
  RETENTION_MIN,
  defaults,
  normalizeDomain,
  normalizeUrl,
  originPatternsFor,
  update,
  type LangSetting,
  type Settings,
} from '../core/settings';
import { DNS_CHECK_ORIGINS } from '../core/probes/from-settings';
import { withTimeout, type Connector } from '../ui/connector-api';
import { PrivateWindowsNote } from '../ui/private-windows';
import { effectiveLang, makeResolver } from '../ui/texts';
import { effectiveSettings, locksOf, type ManagedPolicy } from '../core/policy';
import { CrowdSection, Locked } from './CrowdSection';

export interface OptionsProps {
  connector: Connector;
  version?: string;
}

export function OptionsApp({ connector }: OptionsProps) {
  const [s, setS] = useState<Settings | null>(null);
  const [policy, setPolicy] = useState<ManagedPolicy>({});
  const [status, setStatus] = useState('');
  const [loadError, setLoadError] = useState(false);
  const [domainIn, setDomainIn] = useState('');
  const [domainErr, setDomainErr] = useState('');
  const [controlIn, setControlIn] = useState('');
  const [controlErr, setControlErr] = useState('');
  const [granted, setGranted] = useState<readonly string[]>([]);
  const [dnsErr, setDnsErr] = useState('');

  const lang: Lang = effectiveLang(s?.lang, connector.uiLanguage());
  const tx = useMemo(() => makeResolver(lang), [lang]);
  const T = (key: string, ...args: (string | number)[]) => tx({ key, args });

  useEffect(() => {
    withTimeout(connector.getSettings(), 3000)
      .then((x) => setS(x))
      .catch(() => {
        setS(defaults());
        setLoadError(true);
      });
    connector.getPolicy().then(setPolicy, () => setPolicy({}));
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
    document.title = T('options_title');
  }, [lang]);

  if (!s) return <main class="options" />;
  const locks = locksOf(policy);
  const eff = effectiveSettings(s, policy);
  const managed = Object.keys(policy).length > 0;

  async function save(patch: Partial<Settings>) {
    const next = update(s!, patch);
    setS(next);
    try {
      await connector.saveSettings(next);
      setStatus(tx({ key: 'options_saved' }));
    } catch (e) {
      setStatus(tx({ key: 'options_save_failed', args: [e instanceof Error ? e.message : String(e)] }));
    }
  }

  function addDomain() {
    const d = normalizeDomain(domainIn);
    if (!d) {
      setDomainErr(T('options_domains_invalid', domainIn));
      return;
    }
    setDomainErr('');
    // Request on the click, before any other await: the permission prompt needs the user gesture.
    connector.requestHostPermissions(originPatternsFor(d)).then(
      (granted) => {
        if (!granted) {
          setDomainErr(T('options_domains_denied', d));
          return;
        }
        setDomainIn('');
        void save({ extraDomains: [...s!.extraDomains.filter((x) => x !== d), d] });
      },
      () => setDomainErr(T('options_domains_denied', d)),
    );
  }

  function removeDomain(d: string) {
    void connector.removeHostPermissions(originPatternsFor(d)).catch(() => false);
    void save({ extraDomains: s!.extraDomains.filter((x) => x !== d) });
  }

  function addControl() {
    const u = normalizeUrl(controlIn, { httpLocalOnly: false });
    if (!u) {
      setControlErr(T('options_controls_invalid', controlIn));
      return;
    }
    setControlErr('');
    setControlIn('');
    void save({ controlSites: [...s!.controlSites.filter((x) => x !== u), u] });
  }

  /** The DNS check needs the resolver's host permission: asked on the click itself (user gesture). */
  function setDnsChecks(on: boolean) {
    setDnsErr('');
    if (!on) {
      void connector.removeHostPermissions([...DNS_CHECK_ORIGINS]).catch(() => false);
      void save({ dnsChecks: false });
      return;
    }
    connector.requestHostPermissions([...DNS_CHECK_ORIGINS]).then(
      (ok) => {
        if (ok) void save({ dnsChecks: true });
        else setDnsErr(T('options_dns_checks_denied'));
      },
      () => setDnsErr(T('options_dns_checks_denied')),
    );
  }

  function allowManaged(d: string) {
    connector.requestHostPermissions(originPatternsFor(d)).then(
      (ok) => ok && setGranted((g) => [...g, d]),
      () => undefined,
    );
  }

  return (
    <main class="options" data-lang={lang}>
      <h1>{T('options_title')}</h1>
      {loadError && (
        <p class="notice" role="alert">
          {T('options_error_storage')}
        </p>
      )}
      <p class="saved small" role="status" aria-live="polite">
        {status}
      </p>
      {managed && (
        <p class="notice small" data-testid="policy-notice">
          {T('options_policy_notice')}
        </p>
      )}

      <section class="card" aria-labelledby="o-lang">
        <h2 id="o-lang">{T('options_lang_title')}</h2>
        <label class="sr-only" for="lang">
          {T('options_lang_title')}
        </label>
        <select
          id="lang"
          value={s.lang}
          onChange={(e) => void save({ lang: (e.target as HTMLSelectElement).value as LangSetting })}
        >
          <option value="auto">{T('options_lang_auto')}</option>
          <option value="zh_CN">{T('options_lang_zh')}</option>
          <option value="en">{T('options_lang_en')}</option>
        </select>
      </section>

      <CrowdSection connector={connector} effective={eff} locks={locks} save={save} tx={tx} lang={lang} />

      <section class="card" aria-labelledby="o-domains">
        <h2 id="o-domains">{T('options_domains_title')}</h2>
        <p class="small muted">{T('options_domains_explain')}</p>
        {locks.extraDomains.length > 0 && (
          <ul class="list" data-testid="managed-domains">
            {locks.extraDomains.map((d) => (
              <li key={d}>
                <span>{d}</span>
                <Locked label={T('options_locked')} />
                <button type="button" class="btn btn-link" onClick={() => allowManaged(d)}>
                  {granted.includes(d) ? T('options_domains_allowed') : T('options_domains_allow')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <EditableList
          items={s.extraDomains}
          removeLabel={(d) => T('options_remove', d)}
          onRemove={removeDomain}
          input={{
            id: 'domain',
            type: 'text',
            placeholder: 'example.com',
            label: T('options_domains_label'),
            value: domainIn,
            onInput: setDomainIn,
          }}
          onAdd={addDomain}
          addLabel={T('options_add')}
          error={domainErr}
        />
      </section>

      <section class="card" aria-labelledby="o-controls">
        <h2 id="o-controls">{T('options_controls_title')}</h2>
        <p class="small muted">{T('options_controls_explain')}</p>
        {locks.controlSites ? (
          <>
            <Locked label={T('options_locked')} />
            <ul class="list" data-testid="managed-controls">
              {eff.controlSites.map((u) => (
                <li key={u}>
                  <span class="mono">{u}</span>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <>
            <EditableList
              items={s.controlSites}
              mono
              removeLabel={(u) => T('options_remove', u)}
              onRemove={(u) => void save({ controlSites: s.controlSites.filter((x) => x !== u) })}
              input={{
                id: 'control',
                type: 'url',
                placeholder: 'https://www.example.com/favicon.ico',
                label: T('options_controls_label'),
                value: controlIn,
                onInput: setControlIn,
              }}
              onAdd={addControl}
              addLabel={T('options_add')}
              error={controlErr}
            />
            <button
              type="button"
              class="btn btn-secondary"
              onClick={() => void save({ controlSites: [...DEFAULT_CONTROL_SITES] })}
            >
              {T('options_controls_reset')}
            </button>
          </>
        )}
      </section>

      <section class="card" aria-labelledby="o-history">
        <h2 id="o-history">{T('options_history_title')}</h2>
        <label class="field" for="retention">
          {T('options_retention_label')}
        </label>
        <input
          id="retention"
          type="number"
          min={RETENTION_MIN}
          max={RETENTION_MAX}
          value={s.retentionDays}
          onChange={(e) => void save({ retentionDays: Number((e.target as HTMLInputElement).value) })}
        />
        <button
          type="button"
          class="btn btn-secondary"
          onClick={() =>
            void connector.clearHistory().then(
              (r) => setStatus(r.ok ? T('options_history_cleared') : T('options_save_failed', 'clear-history')),
              (e: unknown) => setStatus(T('options_save_failed', String(e))),
            )
          }
        >
          {T('options_clear_history')}
        </button>
      </section>

      <section class="card" aria-labelledby="o-private">
        <h2 id="o-private">{T('options_private_title')}</h2>
        <PrivateWindowsNote connector={connector} tx={tx} />
      </section>

      <section class="card" aria-labelledby="o-checks">
        <h2 id="o-checks">{T('options_checks_title')}</h2>
        <label class="check">
          <input
            type="checkbox"
            checked={s.notifications}
            onChange={(e) => void save({ notifications: (e.target as HTMLInputElement).checked })}
          />
          <span>{T('options_notifications')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={s.statusChecks}
            onChange={(e) => void save({ statusChecks: (e.target as HTMLInputElement).checked })}
          />
          <span>{T('options_status_checks')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            data-setting="dnsChecks"
            checked={s.dnsChecks}
            onChange={(e) => setDnsChecks((e.target as HTMLInputElement).checked)}
          />
          <span>{T('options_dns_checks')}</span>
        </label>
        <p class="small muted">{T('options_dns_checks_help')}</p>
        {dnsErr && (
          <p class="err small" role="alert">
            {dnsErr}
          </p>
        )}
      </section>
    </main>
  );
}

/** A list of strings with a remove button each, and a small form to add one (extra domains, control sites). */
function EditableList(p: {
  items: readonly string[];
  mono?: boolean;
  removeLabel: (item: string) => string;
  onRemove: (item: string) => void;
  input: {
    id: string;
    type: 'text' | 'url';
    placeholder: string;
    label: string;
    value: string;
    onInput: (v: string) => void;
  };
  onAdd: () => void;
  addLabel: string;
  error: string;
}) {
  return (
    <>
      <ul class="list">
        {p.items.map((item) => (
          <li key={item}>
            <span class={p.mono ? 'mono' : undefined}>{item}</span>
            <button
              type="button"
              class="btn btn-link"
              onClick={() => p.onRemove(item)}
              aria-label={p.removeLabel(item)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        class="row add"
        onSubmit={(e) => {
          e.preventDefault();
          p.onAdd();
        }}
      >
        <label class="sr-only" for={p.input.id}>
          {p.input.label}
        </label>
        <input
          id={p.input.id}
          type={p.input.type as 'text'}
          placeholder={p.input.placeholder}
          value={p.input.value}
          onInput={(e) => p.input.onInput((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="btn btn-primary">
          {p.addLabel}
        </button>
      </form>
      {p.error && <p class="err small">{p.error}</p>}
    </>
  );
}
