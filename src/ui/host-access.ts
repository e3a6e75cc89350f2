/**
 * Host access to the watched sites, as the pages see it: checked at once and again whenever permissions are
 * granted or withdrawn (wherever that happened: this page, the browser's settings, another page).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Connector } from './connector-api';

/** true / false once known; null while unknown. */
export function useHostAccess(connector: Connector): boolean | null {
  const [access, setAccess] = useState<boolean | null>(null);
  useEffect(() => {
    const check = () => {
      connector.hostAccess().then(setAccess, () => setAccess(null));
    };
    check();
    return connector.onPermissionsChanged(check);
  }, [connector]);
  return access;
}
