import type { EvidenceRow } from './view-model';

export function Evidence({ title, rows }: { title: string; rows: EvidenceRow[] }) {
  if (rows.length === 0) return null;
  return (
    <section class="section" aria-labelledby="ev-h">
      <h2 id="ev-h">{title}</h2>
      <ul class="evidence">
        {rows.map((r) => (
          <li key={r.id} data-evidence={r.id}>
            <span class="ev-text">{r.text}</span>
            <span class="ev-meta">
              {r.count} · {r.range}
              {r.hosts && (
                <>
                  {' · '}
                  <span class="ev-hosts">{r.hosts}</span>
                </>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
