import type { HeadlineView } from './view-model';
import { VerdictIcon } from './icons';

/** The verdict in words, icon and colour (announced politely by the live region around it in App). */
export function Headline({ v }: { v: HeadlineView }) {
  return (
    <header class={`verdict tone-${v.verdict}`}>
      <VerdictIcon verdict={v.verdict} />
      <div class="verdict-text">
        <h1 class="headline" data-testid="headline">
          {v.headline}
        </h1>
        <p class="cause-title">{v.title}</p>
        <p class="meta">{[v.since, v.checked].filter(Boolean).join(' · ')}</p>
      </div>
    </header>
  );
}
