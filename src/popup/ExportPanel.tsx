import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PopupState } from '../core/messages';
import type { Lang } from '../core/i18n/messages';
import type { Resolve } from '../ui/texts';
import {
  EXPORT_FORMATS,
  EXPORT_LABEL,
  EXPORT_MIME,
  browserName,
  exportFileName,
  type ExportFormat,
} from './view-model';

type ReportModule = typeof import('../core/report');
let reportModule: Promise<ReportModule> | null = null;
/**
 * The report builder (redaction, Markdown, JSON, HAR) is loaded when first needed, not with the popup: it is a
 * quarter of the popup's code and most openings never export. The popup asks for it once it has painted.
 */
export function loadReport(): Promise<ReportModule> {
  return (reportModule ??= import('../core/report'));
}

export function download(text: string, mime: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The report for a support ticket: Markdown / JSON / HAR, copied or downloaded. Only what is copied leaves. */
export function ExportPanel(props: {
  state: PopupState;
  lang: Lang;
  tx: Resolve;
  now: () => number;
  onClose: () => void;
  onNotice: (s: string) => void;
}) {
  const { tx } = props;
  const [fmt, setFmt] = useState<ExportFormat>('markdown');
  const [note, setNote] = useState('');
  const ref = useRef<HTMLElement>(null);
  const [report, setReport] = useState<ReportModule | null>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('button[aria-pressed="true"]')?.focus();
    void loadReport().then(setReport, () => props.onNotice(tx({ key: 'popup_export_copy_failed' })));
  }, []);

  const text = useMemo(() => {
    if (!report) return null;
    const { buildReport, sanitizedHar } = report;
    if (fmt === 'har')
      return (
        JSON.stringify(
          sanitizedHar(props.state.recentFailures, props.state.extensionVersion, props.state.history),
          null,
          2,
        ) + '\n'
      );
    const r = buildReport(props.state, {
      lang: props.lang,
      userNote: note,
      browser: browserName(navigator.userAgent),
      now: props.now(),
      text: tx,
    });
    return fmt === 'json' ? r.json : r.markdown;
  }, [report, fmt, note, props.state, props.lang]);

  const name = exportFileName(props.state.diagnosis.verdict, props.now(), fmt);

  async function copy() {
    if (text === null) return;
    try {
      await navigator.clipboard.writeText(text);
      props.onNotice(tx({ key: 'popup_export_copied' }));
    } catch {
      download(text, EXPORT_MIME[fmt], name);
      props.onNotice(tx({ key: 'popup_export_copy_failed' }));
    }
  }

  return (
    <section class="section export" aria-labelledby="exp-h" ref={ref} data-testid="export">
      <h2 id="exp-h">{tx({ key: 'popup_export_title' })}</h2>
      <div class="row formats" role="group" aria-label={tx({ key: 'popup_export_format' })}>
        {EXPORT_FORMATS.map((f) => (
          <button
            key={f}
            type="button"
            class="btn btn-toggle"
            aria-pressed={f === fmt ? 'true' : 'false'}
            data-format={f}
            onClick={() => setFmt(f)}
          >
            {EXPORT_LABEL[f]}
          </button>
        ))}
      </div>
      {fmt !== 'har' && (
        <label class="note">
          <span>{tx({ key: 'popup_export_note_label' })}</span>
          <textarea rows={2} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        </label>
      )}
      {text !== null && (
        <pre class="preview" tabIndex={0} aria-label={EXPORT_LABEL[fmt]}>
          {text.length > 20000 ? text.slice(0, 20000) + '\n…' : text}
        </pre>
      )}
      <p class="small muted">{tx({ key: 'popup_export_redacted' })}</p>
      <div class="row">
        <button type="button" class="btn btn-primary" data-action="export-copy" onClick={copy}>
          {tx({ key: 'popup_export_copy' })}
        </button>
        <button
          type="button"
          class="btn btn-secondary"
          data-action="export-download"
          onClick={() => text !== null && download(text, EXPORT_MIME[fmt], name)}
        >
          {tx({ key: 'popup_export_download' })}
        </button>
        <button type="button" class="btn btn-link" data-action="export-close" onClick={props.onClose}>
          {tx({ key: 'popup_export_close' })}
        </button>
      </div>
    </section>
  );
}
