/**
 * "Clear this site's cookies and retry": removes the cookies of ONE registrable domain (the site's, e.g.
 * taobao.com for https://login.taobao.com) and reloads the tabs showing it. Only for watched sites (catalogue
 * domains or the user's extra domains), only after the popup's confirm step. Uses the cookies API, limited by
 * host permissions to the watched domains, so the count of removed cookies can be shown.
 */
import { browser } from '../platform/browser';
import { catalogueDomain } from '../core/catalogue/match';
import { splitUrl } from '../core/url/url-shape';

export function siteDomainOf(origin: string, extraDomains: readonly string[]): string | null {
  const u = splitUrl(origin);
  if (!u || (u.scheme !== 'https' && u.scheme !== 'http')) return null;
  const cat = catalogueDomain(u.host);
  if (cat) return cat;
  for (const d of extraDomains) if (u.host === d || u.host.endsWith('.' + d)) return d;
  return null;
}

export async function clearSiteCookies(
  origin: string,
  extraDomains: readonly string[],
): Promise<{ ok: boolean; removed: number }> {
  const domain = siteDomainOf(origin, extraDomains);
  if (!domain) return { ok: false, removed: 0 };
  const cookies = await browser.cookies.getAll({ domain });
  let removed = 0;
  for (const c of cookies) {
    const host = c.domain.replace(/^\./, '');
    const url = `http${c.secure ? 's' : ''}://${host}${c.path}`;
    const r = await browser.cookies.remove({ url, name: c.name, storeId: c.storeId }).catch(() => null);
    if (r) removed++;
  }
  // "…and retry": reload the tabs that show this site.
  const tabs = await browser.tabs.query({ url: [`*://${domain}/*`, `*://*.${domain}/*`] }).catch(() => []);
  for (const t of tabs) if (t.id !== undefined) void browser.tabs.reload(t.id).catch(() => undefined);
  return { ok: true, removed };
}
