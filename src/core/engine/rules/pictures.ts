/** Page bugs: addresses built from a missing value, and pictures a provider page never gave an address. */
import type { ServiceId } from '../../types';
import { distinctHosts, evidence, fact, failsOf, hostList } from '../context';
import { PAGE_BUG_MIN } from '../thresholds';
import { blameOf, type BrokenImage, type Ctx, provider, type Rule, serviceOfHost } from './common';

/** The service of the page a picture was on (a provider page), or of the picture's own host. */
const pageService = (ctx: Ctx, o: BrokenImage): ServiceId | null => serviceOfHost(ctx, o.pageHost) ?? o.service;

/**
 * Addresses built from a missing value (…/undefined, …/null), and pictures on provider pages whose address is
 * empty (src undefined/null/empty) or never resolved (a lazy-load attribute the page's script never filled).
 */
export const rulePageBug: Rule = (ctx) => {
  const bugs = failsOf(ctx, ['pagebug'], true);
  // A picture with src="undefined" shows twice: as its request to …/undefined and as the content script's
  // empty-url report. The larger of the two counts, not their sum, is the number of broken addresses.
  let pictures = 0;
  const obsHosts: string[] = [];
  const used: BrokenImage[] = [];
  let t = 0;
  for (const o of ctx.obs) {
    if (
      o.kind === 'broken-image' &&
      (o.reason === 'empty-url' || o.reason === 'lazy-unresolved') &&
      pageService(ctx, o) !== null
    ) {
      pictures += o.count;
      obsHosts.push(o.pageHost);
      used.push(o);
      t = Math.max(t, o.t);
    }
  }
  const n = Math.max(bugs.length, pictures);
  if (n < PAGE_BUG_MIN) return null;
  const hosts = [...new Set([...distinctHosts(bugs), ...obsHosts])];
  const ev = bugs.length
    ? evidence('page-bug', [n, hostList(hosts)], bugs, n)
    : fact('page-bug', [n, hostList(hosts)], t, n, hosts);
  const blame = blameOf(bugs);
  if (used.length) {
    blame.obs = used;
    blame.services = [...new Set([...(blame.services ?? []), ...used.map((o) => pageService(ctx, o)!)])];
  }
  return provider('page-bug', [ev], blame);
};
