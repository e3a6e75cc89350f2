/**
 * The official status page beside Faultline's verdict: its state in words with an icon, its open
 * events, and the lag between Faultline's detection and the first official notice.
 */
import type { PopupState } from '../core/messages';
import type { Text } from '../core/types';
import { StateIcon } from './icons';

const ICON = { alarm: 'failing', notice: 'degraded', normal: 'ok', unknown: 'idle' } as const;

export function Official({
  v,
  tx,
  time,
}: {
  v: PopupState['official'];
  tx: (t: Text) => string;
  time: (ms: number) => string;
}) {
  if (!v) return null;
  const lag =
    v.lagMs === null
      ? tx({ key: 'official_no_notice_yet' })
      : v.lagMs >= 0
        ? tx({ key: 'official_lag', args: [Math.max(1, Math.round(v.lagMs / 60_000))] })
        : tx({ key: 'official_ahead' });
  return (
    <section class="section official" aria-labelledby="official-h" data-official-state={v.state}>
      <h2 id="official-h">{tx({ key: 'official_title' })}</h2>
      <p class={`svc-state state-${ICON[v.state]}`}>
        <StateIcon state={ICON[v.state]} />
        {tx({ key: `official_state_${v.state}` })}
      </p>
      {v.events.length > 0 && (
        <ul class="small">
          {v.events.map((e, i) => (
            <li key={i}>
              {e.start !== null ? `${time(e.start)} ` : ''}
              {e.title}
            </li>
          ))}
        </ul>
      )}
      <p class="small muted">{lag}</p>
    </section>
  );
}
