/**
 * The options page's words for the crowd preview (src/core/crowd/queue.ts CrowdPreview): the next request
 * exactly as the background would send it — or that the queue is empty, or that crowd mode is off — and how the
 * last send went. The bytes themselves come from the background, never from a sample. Pure.
 */
import type { CrowdPreview } from '../core/crowd/queue';
import type { Text } from '../core/types';

export function previewTexts(p: CrowdPreview, time: (ms: number) => string): Text[] {
  const out: Text[] = [];
  if (p.state === 'off') out.push({ key: 'options_crowd_preview_off', args: [] });
  else if (p.state === 'empty') out.push({ key: 'options_crowd_preview_empty', args: [p.url ?? ''] });
  else out.push({ key: 'options_crowd_preview_batch', args: [p.url ?? '', p.reports, p.bytes] });
  if (p.state !== 'off' && p.pending > 0) out.push({ key: 'options_crowd_preview_pending', args: [p.pending] });
  if (p.state === 'batch' && p.queued > p.reports) {
    out.push({ key: 'options_crowd_preview_more', args: [p.queued - p.reports] });
  }
  if (p.state === 'batch' && p.teamKey) out.push({ key: 'options_crowd_preview_team', args: [] });
  if (p.last) {
    out.push(
      p.last.ok
        ? { key: 'options_crowd_last_ok', args: [time(p.last.at)] }
        : { key: 'options_crowd_last_failed', args: [time(p.last.at), p.last.message] },
    );
  }
  return out;
}
