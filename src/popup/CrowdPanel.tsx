/**
 * Crowd mode in the popup: what other users reported in the last 15 minutes (src/core/crowd/summary.ts builds
 * the sentences). Each line has an icon and the state in words, never colour alone. Renders nothing when crowd
 * mode is off or there is no data.
 */
import type { CrowdLine } from '../core/crowd/summary';
import type { CrowdState } from '../core/crowd/protocol';
import type { ServiceState } from '../core/types';
import { StateIcon } from './icons';

const ICON: Record<CrowdState, ServiceState> = { normal: 'ok', elevated: 'degraded', outage: 'failing' };
// Layout only (styles.css is shared; move these there when convenient). Colours come from .state-* .svc-state.
const UL = { listStyle: 'none', margin: 0, padding: 0 } as const;
const LI = { margin: '0 0 6px', lineHeight: 1.4 } as const;

export function CrowdPanel({ title, lines }: { title: string; lines: CrowdLine[] }) {
  if (lines.length === 0) return null;
  return (
    <section class="section crowd" aria-labelledby="crowd-h">
      <h2 id="crowd-h">{title}</h2>
      <ul class="crowd-lines" style={UL}>
        {lines.map((l) => (
          <li
            key={l.service}
            class={`crowd-line state-${ICON[l.state]}`}
            data-service={l.service}
            data-crowd-state={l.state}
            style={LI}
          >
            <span class="svc-state">
              <StateIcon state={ICON[l.state]} />
              {l.stateLabel}
            </span>{' '}
            <span class="crowd-text">{l.text}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
