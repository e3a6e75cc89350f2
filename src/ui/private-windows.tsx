/**
 * Private (incognito) windows: whether Faultline runs in them, and how to allow it in this browser. Shown on the
 * options page and the welcome page. Browsers run extensions in private windows only when the user allows it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Connector } from './connector-api';
import type { Resolve } from './texts';

export function PrivateWindowsNote({ connector, tx }: { connector: Connector; tx: Resolve }) {
  const [v, setV] = useState<{ allowed: boolean; browser: 'chrome' | 'firefox' } | null>(null);
  useEffect(() => {
    connector.privateWindows().then(setV, () => setV(null));
  }, [connector]);
  if (!v) return null;
  const key = v.allowed ? 'private_allowed' : v.browser === 'firefox' ? 'private_how_firefox' : 'private_how_chrome';
  return (
    <p class="private-note" data-private={v.allowed ? 'allowed' : 'not-allowed'}>
      {tx({ key })}
    </p>
  );
}
