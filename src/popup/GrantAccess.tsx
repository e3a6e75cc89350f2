/**
 * The popup's "grant access" state, shown instead of a verdict whenever the browser does not let Faultline see
 * the watched sites (the user withdrew host access, e.g. in Firefox's about:addons → Permissions, or it was
 * never granted): without it Faultline records nothing, and any verdict would be about nothing. The button asks
 * with permissions.request on the click itself (the browser requires the user gesture); the popup follows every
 * permission change, wherever it was made.
 */
import { useState } from 'preact/hooks';
import type { Connector } from '../ui/connector-api';
import type { Resolve } from '../ui/texts';

export function GrantAccess({
  connector,
  tx,
  onGranted,
}: {
  connector: Connector;
  tx: Resolve;
  onGranted: () => void;
}) {
  const [denied, setDenied] = useState(false);
  const ask = () => {
    // No await before the request: the permission prompt needs the click's user gesture.
    connector.requestHostAccess().then(
      (granted) => {
        setDenied(!granted);
        if (granted) onGranted();
      },
      () => setDenied(true),
    );
  };
  return (
    <main class="fl" data-verdict="" data-cause="" data-phase="access">
      <div class="live" aria-live="polite" aria-atomic="true">
        <div class="verdict tone-unclear">
          <h1 class="headline">{tx({ key: 'popup_access_title' })}</h1>
        </div>
      </div>
      <p class="explain">{tx({ key: 'popup_access_body' })}</p>
      <div class="explain">
        <button type="button" class="btn btn-primary" data-action="grant-access" onClick={ask}>
          {tx({ key: 'popup_access_grant' })}
        </button>
      </div>
      {denied && (
        <p class="notice" role="status">
          {tx({ key: 'popup_access_denied' })}
        </p>
      )}
    </main>
  );
}
