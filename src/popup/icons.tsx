/** Inline SVG icons (no icon font, no image requests). Decorative: the text next to them says the same. */
import type { ServiceState, Verdict } from '../core/types';

const P = {
  width: 28,
  height: 28,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
  'aria-hidden': 'true',
  focusable: 'false',
} as const;

export function VerdictIcon({ verdict }: { verdict: Verdict }) {
  switch (verdict) {
    case 'provider': // a cloud with an exclamation mark: the provider is failing
      return (
        <svg {...P} class="icon" data-icon="provider">
          <path d="M7 18h10.5a4.5 4.5 0 0 0 .6-8.96A6 6 0 0 0 6.3 10.1 4 4 0 0 0 7 18z" />
          <path d="M12 9.5v3.5" />
          <path d="M12 15.6v.01" />
        </svg>
      );
    case 'user': // a laptop with an exclamation mark: something on your side
      return (
        <svg {...P} class="icon" data-icon="user">
          <rect x="4" y="4.5" width="16" height="11" rx="1.5" />
          <path d="M2 19.5h20" />
          <path d="M12 7.5v4" />
          <path d="M12 13.4v.01" />
        </svg>
      );
    case 'healthy': // a check in a circle
      return (
        <svg {...P} class="icon" data-icon="healthy">
          <circle cx="12" cy="12" r="9" />
          <path d="M8 12.5l2.7 2.7L16.2 9.6" />
        </svg>
      );
    default: // a question mark in a circle
      return (
        <svg {...P} class="icon" data-icon="unclear">
          <circle cx="12" cy="12" r="9" />
          <path d="M9.6 9.3a2.5 2.5 0 0 1 4.8.9c0 1.7-2.4 2.2-2.4 3.6" />
          <path d="M12 16.8v.01" />
        </svg>
      );
  }
}

const S = {
  width: 14,
  height: 14,
  viewBox: '0 0 16 16',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
  'aria-hidden': 'true',
  focusable: 'false',
} as const;

export function StateIcon({ state }: { state: ServiceState }) {
  switch (state) {
    case 'ok':
      return (
        <svg {...S} class="state-icon">
          <path d="M3 8.5l3 3 7-7" />
        </svg>
      );
    case 'degraded':
      return (
        <svg {...S} class="state-icon">
          <path d="M8 2.5l6 11H2z" />
          <path d="M8 7v2.5" />
        </svg>
      );
    case 'failing':
      return (
        <svg {...S} class="state-icon">
          <path d="M3.5 3.5l9 9M12.5 3.5l-9 9" />
        </svg>
      );
    default:
      return (
        <svg {...S} class="state-icon">
          <path d="M4 8h8" />
        </svg>
      );
  }
}
