import type { ServiceCell } from './view-model';
import { StateIcon } from './icons';

export function Services({ title, cells }: { title: string; cells: ServiceCell[] }) {
  if (cells.length === 0) return null;
  return (
    <section class="section" aria-labelledby="svc-h">
      <h2 id="svc-h">{title}</h2>
      <ul class="services">
        {cells.map((c) => (
          <li key={c.id} class={`svc state-${c.state}`} data-service={c.id} data-state={c.state}>
            <span class="svc-name">{c.name}</span>
            <span class="svc-state">
              <StateIcon state={c.state} />
              {c.stateLabel}
            </span>
            {c.detail && <span class="svc-detail">{c.detail}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
