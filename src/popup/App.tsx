/**
 * The popup. Paints from one message round-trip (ui/get-state: the background precomputes everything); if the
 * background does not answer within STATE_TIMEOUT_MS, shows an error with a retry instead of a spinner.
 * Talks to the extension only through the Connector it is given (real or mock).
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { PopupState } from '../core/messages';
import type { Lang } from '../core/i18n/messages';
import type { ActionId } from '../core/types';
import { STATE_TIMEOUT_MS, withTimeout, type Connector } from '../ui/connector-api';
import { effectiveLang, makeResolver } from '../ui/texts';
import { Advice, type ConfirmView } from './Advice';
import { CrowdPanel } from './CrowdPanel';
import { Official } from './Official';
import { crowdFocus, crowdSummary } from '../core/crowd/summary';
import { Evidence } from './Evidence';
import { GrantAccess } from './GrantAccess';
import { useHostAccess } from '../ui/host-access';
import { ExportPanel, loadReport } from './ExportPanel';
import { Headline } from './Headline';
import { Services } from './Services';
import { Timeline } from './Timeline';
import { HistoryHealth } from './HistoryHealth';
import {
  ACTION_LABEL,
  adviceView,
  clearCookiesOrigin,
  evidenceView,
  headlineView,
  servicesView,
  statusPageFor,
  timelineView,
} from './view-model';

export interface AppProps {
  connector: Connector;
  /** Force a language (gallery); otherwise the `lang` setting, then the browser's UI language. */
  lang?: Lang;
  now?: () => number;
  timeoutMs?: number;
}

type Load = { phase: 'loading' } | { phase: 'ready'; state: PopupState } | { phase: 'error'; message: string };

const FOOTER_ACTIONS: readonly ActionId[] = ['retry', 'copy-report', 'open-options'];

export function App({ connector, lang: forced, now = Date.now, timeoutMs = STATE_TIMEOUT_MS }: AppProps) {
  const [lang, setLang] = useState<Lang>(() => forced ?? effectiveLang('auto', connector.uiLanguage()));
  const [load, setLoad] = useState<Load>({ phase: 'loading' });
  const [confirm, setConfirm] = useState<{ origin: string } | null>(null);
  const [exporting, setExporting] = useState(false);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState<ActionId | null>(null);
  const tx = useMemo(() => makeResolver(lang), [lang]);
  const access = useHostAccess(connector);

  const fetchState = useCallback(async () => {
    setLoad({ phase: 'loading' });
    try {
      const state = await withTimeout(connector.getState(), timeoutMs);
      setLoad({ phase: 'ready', state });
      // Painted from the background's last snapshot: the fresh state follows when the worker has woken.
      const later = connector.laterState?.();
      if (later) later.then((fresh) => setLoad({ phase: 'ready', state: fresh })).catch(() => undefined);
    } catch (e) {
      setLoad({ phase: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }, [connector, timeoutMs]);

  useEffect(() => {
    void fetchState();
    // Keeps the background's copy of the administrator's policy current (src/platform/settings-store.ts).
    connector.getPolicy().catch(() => undefined);
    // The export code, after the first paint: ready by the time anyone clicks "copy report".
    setTimeout(() => void loadReport().catch(() => undefined), 0);
    if (!forced) {
      withTimeout(connector.getSettings(), timeoutMs)
        .then((s) => setLang(effectiveLang(s.lang, connector.uiLanguage())))
        .catch(() => {});
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
  }, [lang]);

  // Without host access Faultline records nothing: ask for it instead of showing a verdict about nothing.
  if (access === false) return <GrantAccess connector={connector} tx={tx} onGranted={() => void fetchState()} />;

  if (load.phase !== 'ready') {
    return (
      <main class="fl" data-verdict="" data-cause="" data-phase={load.phase}>
        <div class="live" aria-live="polite" aria-atomic="true">
          {load.phase === 'loading' ? (
            <p class="loading">{tx({ key: 'popup_loading' })}</p>
          ) : (
            <div class="error" role="alert">
              <h1 class="headline">{tx({ key: 'popup_error_title' })}</h1>
              <p>{tx({ key: 'popup_error_body' })}</p>
              <p class="small muted">{load.message}</p>
              <button type="button" class="btn btn-primary" data-action="reload" onClick={() => void fetchState()}>
                {tx({ key: 'popup_error_retry' })}
              </button>
            </div>
          )}
        </div>
      </main>
    );
  }

  const { state } = load;
  const d = state.diagnosis;
  const t0 = now();
  const head = headlineView(d, tx, t0);
  const steps = adviceView(d, tx);
  const tl = timelineView(state.timeline);
  const label = (a: ActionId) => tx({ key: ACTION_LABEL[a] });
  const footer = FOOTER_ACTIONS.filter((a) => !steps.some((s) => s.action === a));

  async function onAction(a: ActionId) {
    setNotice('');
    switch (a) {
      case 'clear-cookies': {
        const origin = clearCookiesOrigin(await connector.activeTabOrigin(), d);
        if (!origin) setNotice(tx({ key: 'popup_no_site' }));
        else setConfirm({ origin });
        return;
      }
      case 'retry': {
        setBusy('retry');
        try {
          const r = await withTimeout(connector.retry(), 10_000);
          setNotice(tx({ key: r.ok ? 'popup_retried' : 'popup_retry_failed' }));
          const st = await withTimeout(connector.getState(), timeoutMs);
          setLoad({ phase: 'ready', state: st });
        } catch {
          setNotice(tx({ key: 'popup_retry_failed' }));
        } finally {
          setBusy(null);
        }
        return;
      }
      case 'open-status':
        await connector.openUrl(statusPageFor(lang));
        return;
      case 'open-options':
        await connector.openOptions();
        return;
      case 'copy-report':
        setExporting((x) => !x);
        return;
    }
  }

  async function onConfirm(yes: boolean) {
    const c = confirm;
    setConfirm(null);
    if (!yes || !c) return;
    setBusy('clear-cookies');
    try {
      const r = await withTimeout(connector.clearSiteCookies(c.origin), 10_000);
      setNotice(r.ok ? tx({ key: 'popup_cleared', args: [r.removed] }) : tx({ key: 'popup_clear_failed' }));
    } catch {
      setNotice(tx({ key: 'popup_clear_failed' }));
    } finally {
      setBusy(null);
    }
  }

  const confirmView: ConfirmView | null = confirm
    ? {
        question: tx({ key: 'popup_confirm_clear', args: [confirm.origin.replace(/^https?:\/\//, '')] }),
        yes: tx({ key: 'popup_confirm_yes' }),
        no: tx({ key: 'popup_confirm_no' }),
      }
    : null;

  return (
    <main class="fl" data-verdict={d.verdict} data-cause={d.cause} data-phase="ready">
      <div class="live" aria-live="polite" aria-atomic="true">
        <Headline v={head} />
      </div>
      <p class="explain">{head.explain}</p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <Advice
        title={tx({ key: 'popup_advice_title' })}
        steps={steps}
        label={label}
        onAction={(a) => void onAction(a)}
        confirm={confirmView}
        onConfirm={(y) => void onConfirm(y)}
        busy={busy}
      />
      {exporting && (
        <ExportPanel
          state={state}
          lang={lang}
          tx={tx}
          now={now}
          onClose={() => setExporting(false)}
          onNotice={setNotice}
        />
      )}
      <Services title={tx({ key: 'popup_services_title' })} cells={servicesView(d, lang, tx)} />
      <CrowdPanel
        title={tx({ key: 'crowd_title' })}
        lines={crowdSummary(state.crowd, crowdFocus(d.services, state.crowd), lang)}
      />
      <Official
        v={state.official}
        tx={tx}
        time={(ms) =>
          new Date(ms).toLocaleTimeString(lang === 'zh_CN' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit' })
        }
      />
      <Timeline
        title={tx({ key: 'popup_timeline_title' })}
        label={tx({ key: 'popup_timeline_label', args: [tl.totalFailures, tl.totalRequests, tl.peak] })}
        ago={tx({ key: 'popup_timeline_ago' })}
        now={tx({ key: 'popup_timeline_now' })}
        empty={tx({ key: 'popup_timeline_empty' })}
        v={tl}
      />
      <Evidence title={tx({ key: 'popup_evidence_title' })} rows={evidenceView(d, tx, t0)} />
      <footer class="footer">
        <div class="row">
          {footer.map((a) => (
            <button
              key={a}
              type="button"
              class="btn btn-link"
              data-action={a}
              disabled={busy === a}
              onClick={() => void onAction(a)}
            >
              {label(a)}
            </button>
          ))}
        </div>
        <p class="small muted">
          {tx({ key: 'popup_footer_stored', args: [state.stored] })} · v{state.extensionVersion}
        </p>
        <HistoryHealth history={state.history} tx={tx} />
      </footer>
    </main>
  );
}
