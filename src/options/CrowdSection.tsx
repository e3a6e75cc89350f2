/**
 * The options page's crowd-mode card: what a collector is and how to run one, the collector address and team key,
 * the switch, and the exact bytes of the next request (asked of the background, never a sample). Values set by an
 * administrator's policy show locked, with the reason in words.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CrowdPreview } from '../core/crowd/queue';
import { crowdActive, type Locks } from '../core/policy';
import { normalizeTeamKey, normalizeUrl, type Settings } from '../core/settings';
import type { Text } from '../core/types';
import { withTimeout, type Connector } from '../ui/connector-api';
import { previewTexts } from '../ui/crowd-preview';

/** How often the open options page asks the background for the next request. */
export const PREVIEW_REFRESH_MS = 2000;

export function Locked({ label }: { label: string }) {
  return (
    <span class="locked small" data-locked="true">
      <span aria-hidden="true">🔒 </span>
      {label}
    </span>
  );
}

/** A labelled text field that an administrator's policy may lock, with a note (help or error) under it. */
function Field(p: {
  id: string;
  type: 'url' | 'password';
  label: string;
  placeholder?: string;
  /** The "set by your organisation" text when locked, else false. */
  locked: string | false;
  value: string;
  onInput: (v: string) => void;
  onCommit: () => void;
  note: { text: string; error: boolean } | null;
}) {
  const noteId = `${p.id}-note`;
  return (
    <>
      <label class="field" for={p.id}>
        {p.label}
      </label>
      {p.locked && <Locked label={p.locked} />}
      <input
        id={p.id}
        type={p.type as 'url'}
        placeholder={p.placeholder}
        autocomplete="off"
        spellcheck={false}
        value={p.value}
        disabled={p.locked !== false}
        aria-invalid={p.note?.error ? 'true' : undefined}
        aria-describedby={p.note ? noteId : undefined}
        onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        onChange={p.onCommit}
      />
      {p.note && (
        <p id={noteId} class={p.note.error ? 'err small' : 'small muted'}>
          {p.note.text}
        </p>
      )}
    </>
  );
}

export function CrowdSection(p: {
  connector: Connector;
  /** Settings in force (policy applied) and the user's own. */
  effective: Settings;
  locks: Locks;
  save: (patch: Partial<Settings>) => Promise<void>;
  tx: (x: Text) => string;
  lang: string;
}) {
  const { effective: s, locks, tx } = p;
  const T = (key: string, ...args: (string | number)[]) => tx({ key, args });
  const [collectorIn, setCollectorIn] = useState(s.collectorUrl);
  const [collectorErr, setCollectorErr] = useState(false);
  const [keyIn, setKeyIn] = useState(s.teamKey);
  const [keyErr, setKeyErr] = useState(false);
  const [preview, setPreview] = useState<CrowdPreview | null>(null);
  const [previewErr, setPreviewErr] = useState(false);

  const refresh = () =>
    withTimeout(p.connector.crowdPreview(), 3000).then(
      (x) => {
        setPreview(x);
        setPreviewErr(false);
      },
      () => setPreviewErr(true),
    );
  useEffect(() => {
    setCollectorIn(s.collectorUrl);
    setKeyIn(s.teamKey);
    void refresh();
  }, [s.collectorUrl, s.teamKey, s.crowdEnabled]);
  // The queue changes as failures come and batches go: keep the bytes current while the page is open.
  useEffect(() => {
    const timer = setInterval(() => void refresh(), PREVIEW_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  function commitCollector() {
    const raw = collectorIn.trim();
    const u = raw === '' ? '' : normalizeUrl(raw);
    setCollectorErr(u === null);
    if (u !== null && u !== s.collectorUrl) void p.save({ collectorUrl: u });
  }

  function commitKey() {
    const k = normalizeTeamKey(keyIn);
    setKeyErr(k === null);
    if (k !== null && k !== s.teamKey) void p.save({ teamKey: k });
  }

  const active = crowdActive(s);
  const noCollector = s.collectorUrl === '';
  const time = (ms: number) => new Date(ms).toLocaleTimeString(p.lang === 'zh_CN' ? 'zh-CN' : 'en');
  return (
    <section class="card" aria-labelledby="o-crowd" data-crowd-active={active ? 'true' : 'false'}>
      <h2 id="o-crowd">{T('options_crowd_title')}</h2>
      <p>{T('options_crowd_explain')}</p>
      <p class="small muted">{T('options_crowd_what')}</p>
      <p class="small muted">{T('options_crowd_run')}</p>

      <Field
        id="collector"
        type="url"
        label={T('options_collector_label')}
        placeholder="https://collector.example.com"
        locked={locks.collectorUrl && T('options_locked')}
        value={collectorIn}
        onInput={setCollectorIn}
        onCommit={commitCollector}
        note={collectorErr ? { text: T('options_collector_invalid'), error: true } : null}
      />
      <Field
        id="team-key"
        type="password"
        label={T('options_team_key_label')}
        locked={locks.teamKey && T('options_locked')}
        value={keyIn}
        onInput={setKeyIn}
        onCommit={commitKey}
        note={{ text: T(keyErr ? 'options_team_key_invalid' : 'options_team_key_hint'), error: keyErr }}
      />

      <label class="check">
        <input
          type="checkbox"
          id="crowd"
          checked={active}
          disabled={locks.crowdEnabled || noCollector}
          aria-describedby={noCollector ? 'crowd-need' : undefined}
          onChange={(e) => void p.save({ crowdEnabled: (e.target as HTMLInputElement).checked, crowdChosen: true })}
        />
        <span>{T('options_crowd_enable')}</span>
      </label>
      {locks.crowdEnabled && <Locked label={T('options_locked')} />}
      {noCollector && (
        <p id="crowd-need" class="small muted">
          {T('options_crowd_need_collector')}
        </p>
      )}

      <div class="crowd-preview" data-preview-state={preview?.state ?? 'loading'}>
        {previewErr && <p class="err small">{T('options_crowd_preview_error')}</p>}
        {preview &&
          previewTexts(preview, time).map((x) => (
            <p class="small muted" key={x.key}>
              {tx(x)}
            </p>
          ))}
        {preview?.body && (
          <pre class="preview" tabIndex={0} data-testid="crowd-bytes">
            {preview.body}
          </pre>
        )}
        <button type="button" class="btn btn-secondary" id="crowd-refresh" onClick={() => void refresh()}>
          {T('options_crowd_refresh')}
        </button>
      </div>
    </section>
  );
}
