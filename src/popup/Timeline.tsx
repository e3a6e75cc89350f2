import type { TimelineView } from './view-model';

/** The last hour of failures as inline SVG bars (grey: requests, red: failures). */
export function Timeline({
  title,
  label,
  ago,
  now,
  empty,
  v,
}: {
  title: string;
  label: string;
  ago: string;
  now: string;
  empty: string;
  v: TimelineView;
}) {
  if (v.totalRequests === 0 && v.totalFailures === 0) {
    return (
      <section class="section" aria-labelledby="tl-h">
        <h2 id="tl-h">{title}</h2>
        <p class="small muted" data-testid="timeline-empty">
          {empty}
        </p>
      </section>
    );
  }
  return (
    <section class="section" aria-labelledby="tl-h">
      <h2 id="tl-h">{title}</h2>
      <svg
        class="timeline"
        viewBox={`0 0 ${v.width} ${v.height}`}
        width="100%"
        height={v.height}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
      >
        <title>{label}</title>
        <line x1="0" y1={v.height - 0.5} x2={v.width} y2={v.height - 0.5} class="tl-base" />
        {v.bars.map((b, i) =>
          b.hReq || b.hFail ? (
            <g key={i}>
              {b.hReq > 0 && <rect class="tl-req" x={b.x} y={v.height - b.hReq} width={b.w} height={b.hReq} />}
              {b.hFail > 0 && <rect class="tl-fail" x={b.x} y={v.height - b.hFail} width={b.w} height={b.hFail} />}
            </g>
          ) : null,
        )}
      </svg>
      <div class="tl-axis" aria-hidden="true">
        <span>{ago}</span>
        <span>{now}</span>
      </div>
    </section>
  );
}
