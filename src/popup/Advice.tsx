import { useEffect, useRef } from 'preact/hooks';
import type { ActionId } from '../core/types';
import type { AdviceStep } from './view-model';

export interface ConfirmView {
  question: string;
  yes: string;
  no: string;
}

/** Advice as numbered steps; a step may carry one action button. "Clear cookies" asks before acting. */
export function Advice(props: {
  title: string;
  steps: AdviceStep[];
  label: (a: ActionId) => string;
  onAction: (a: ActionId) => void;
  confirm: ConfirmView | null;
  onConfirm: (yes: boolean) => void;
  busy: ActionId | null;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (props.confirm) confirmRef.current?.focus();
  }, [props.confirm]);
  if (props.steps.length === 0) return null;
  return (
    <section class="section" aria-labelledby="adv-h">
      <h2 id="adv-h">{props.title}</h2>
      <ol class="advice">
        {props.steps.map((s) => (
          <li key={s.id} data-advice={s.id}>
            <span class="adv-text">{s.text}</span>
            {s.action && (
              <button
                type="button"
                class={`btn ${s.action === 'clear-cookies' ? 'btn-secondary' : 'btn-primary'}`}
                data-action={s.action}
                aria-busy={props.busy === s.action ? 'true' : undefined}
                disabled={props.busy === s.action}
                onClick={() => props.onAction(s.action!)}
              >
                {props.label(s.action)}
              </button>
            )}
            {s.action === 'clear-cookies' && props.confirm && (
              <div
                class="confirm"
                role="alertdialog"
                aria-labelledby="confirm-q"
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    e.preventDefault();
                    props.onConfirm(false);
                  }
                }}
              >
                <p id="confirm-q">{props.confirm.question}</p>
                <div class="row">
                  <button
                    type="button"
                    class="btn btn-danger"
                    data-action="confirm-clear"
                    onClick={() => props.onConfirm(true)}
                  >
                    {props.confirm.yes}
                  </button>
                  <button
                    type="button"
                    class="btn btn-secondary"
                    data-action="cancel-clear"
                    ref={confirmRef}
                    onClick={() => props.onConfirm(false)}
                  >
                    {props.confirm.no}
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
