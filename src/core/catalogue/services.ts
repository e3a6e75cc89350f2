/**
 * The service catalogue: Alibaba-group registrable domains, their host patterns, and the service each belongs
 * to. Data only; src/core/catalogue/match.ts compiles it, manifest.config.ts derives host permissions from it,
 * test/unit/catalogue.test.ts validates it. Facts and sources: ../shared/reference/alibaba-services.json
 * (source keys in `src`).
 *
 * Pattern syntax (host patterns): a literal host; `*.` at the start = one or more labels; `*` inside a label =
 * one or more of [a-z0-9-]. Rules are tried most specific first (literal hosts, then longer patterns).
 */
import type { ServiceId } from '../types';
import type { Lang } from '../i18n/messages';

export interface ServiceInfo {
  id: ServiceId;
  en: string;
  zh: string;
  /** Independent infrastructure group: failures in two different groups count as breadth. */
  group: 'cloud-control' | 'storage' | 'edge' | 'identity' | 'commerce' | 'apps' | 'noise';
}

export const SERVICES: readonly ServiceInfo[] = [
  { id: 'console', en: 'Alibaba Cloud console', zh: '阿里云控制台', group: 'cloud-control' },
  { id: 'openapi', en: 'Alibaba Cloud OpenAPI', zh: '阿里云 OpenAPI', group: 'cloud-control' },
  { id: 'oss', en: 'Object Storage (OSS)', zh: '对象存储 OSS', group: 'storage' },
  { id: 'cdn', en: 'CDN and images (alicdn)', zh: 'CDN 与图片（alicdn）', group: 'edge' },
  { id: 'login', en: 'Login and SSO', zh: '登录与单点登录', group: 'identity' },
  {
    id: 'shopping',
    en: 'Shopping sites (Taobao, Tmall, 1688…)',
    zh: '购物网站（淘宝、天猫、1688…）',
    group: 'commerce',
  },
  { id: 'mtop', en: 'mtop API gateway', zh: 'mtop 接口网关', group: 'commerce' },
  { id: 'drive', en: 'Aliyun Drive (Alipan)', zh: '阿里云盘', group: 'apps' },
  { id: 'docs', en: 'Docs and Yuque', zh: '文档与语雀', group: 'apps' },
  { id: 'dingtalk', en: 'DingTalk', zh: '钉钉', group: 'apps' },
  { id: 'registry', en: 'Container Registry', zh: '容器镜像服务', group: 'cloud-control' },
  { id: 'payments', en: 'Alipay', zh: '支付宝', group: 'commerce' },
  { id: 'telemetry', en: 'Telemetry and trackers', zh: '统计与追踪', group: 'noise' },
  { id: 'status', en: 'Status pages', zh: '状态页', group: 'noise' },
  { id: 'site', en: 'Other watched sites', zh: '其他受监测网站', group: 'apps' },
];

/** A service's name in the UI language (the id itself for an unknown one). */
export function serviceName(id: ServiceId, lang: Lang): string {
  const s = SERVICES.find((x) => x.id === id);
  return s ? (lang === 'zh_CN' ? s.zh : s.en) : id;
}

export interface HostRule {
  pattern: string;
  service: ServiceId;
  /** Keys into the sources of alibaba-services.json. */
  src: string[];
  /** Marked false where the reference marks the fact as a guess. */
  verified?: false;
}

export interface DomainEntry {
  /** Registrable domain (eTLD+1). */
  domain: string;
  /** Service of hosts that no rule matches. */
  fallback: ServiceId;
  rules: HostRule[];
  src: string[];
}

const r = (pattern: string, service: ServiceId, ...src: string[]): HostRule => ({ pattern, service, src });

export const DOMAINS: readonly DomainEntry[] = [
  {
    domain: 'aliyun.com',
    fallback: 'console',
    src: ['v2fly'],
    rules: [
      r('account.aliyun.com', 'login', 'ali_login'),
      r('signin.aliyun.com', 'login', 'ali_login'),
      r('signin-intl.aliyun.com', 'login', 'ali_login'),
      r('passport.aliyun.com', 'login', 'ali_login_cookies'),
      r('login.aliyun.com', 'login', 'ali_login_cookies'),
      r('*.console.aliyun.com', 'console', 'ali_login', 'api_diag'),
      r('usercenter2-intl.aliyun.com', 'console', 'ali_login'),
      r('beian.aliyun.com', 'console', 'ali_login'),
      r('status.aliyun.com', 'status', 'status'),
      r('api.aliyun.com', 'openapi', 'oss_err'),
      r('error-center.aliyun.com', 'openapi', 'api_issues'),
      r('help.aliyun.com', 'docs', 'oss_err'),
      r('developer.aliyun.com', 'docs', 'api_codes'),
      r('yunpan.aliyun.com', 'drive', 'v2fly'),
      r('acjs.aliyun.com', 'telemetry', 'v2fly'),
    ],
  },
  {
    domain: 'aliyuncs.com',
    fallback: 'openapi',
    src: ['v2fly', 'api_diag'],
    rules: [
      r('oss-*.aliyuncs.com', 'oss', 'v2fly', 'oss_hdr'),
      r('*.oss-*.aliyuncs.com', 'oss', 'oss_hdr'),
      r('registry.aliyuncs.com', 'registry', 'registry'),
      r('registry.*.aliyuncs.com', 'registry', 'registry'),
      r('dockerauth.*.aliyuncs.com', 'registry', 'registry'),
      r('*.cr.aliyuncs.com', 'registry', 'registry'),
      r('*.mirror.aliyuncs.com', 'registry', 'registry'),
      r('arms-retcode.aliyuncs.com', 'telemetry', 'v2fly'),
    ],
  },
  {
    domain: 'alibabacloud.com',
    fallback: 'console',
    src: ['v2fly'],
    rules: [
      r('account.alibabacloud.com', 'login', 'ali_login'),
      r('account-cn.alibabacloud.com', 'login', 'ali_login'),
      r('passport.alibabacloud.com', 'login', 'ali_login_cookies'),
      r('status.alibabacloud.com', 'status', 'status'),
      r('api.alibabacloud.com', 'openapi', 'api_diag'),
      r('*.console.alibabacloud.com', 'console', 'ali_login'),
      r('www.alibabacloud.com', 'docs', 'oss_err'),
    ],
  },
  { domain: 'onaliyun.com', fallback: 'login', src: ['ali_login'], rules: [] },
  {
    domain: 'alicdn.com',
    fallback: 'cdn',
    src: ['v2fly', 'alicdn_imgs'],
    rules: [
      r('img.alicdn.com', 'cdn', 'alicdn_imgs'),
      r('g.alicdn.com', 'cdn', 'alicdn_imgs'),
      r('at.alicdn.com', 'cdn', 'alicdn_imgs'),
      r('s.alicdn.com', 'cdn', 'alicdn_imgs'),
      r('terms.alicdn.com', 'docs', 'v2fly'),
      r('gma.alicdn.com', 'telemetry', 'v2fly'),
      r('afp.alicdn.com', 'telemetry', 'v2fly'),
      r('atanx.alicdn.com', 'telemetry', 'v2fly'),
      r('atanx2.alicdn.com', 'telemetry', 'v2fly'),
      r('gtms0*.alicdn.com', 'telemetry', 'v2fly'),
      r('nbsdk-baichuan.alicdn.com', 'telemetry', 'v2fly'),
    ],
  },
  { domain: 'tbcdn.cn', fallback: 'cdn', src: ['v2fly'], rules: [r('g.tbcdn.cn', 'telemetry', 'v2fly')] },
  { domain: 'taobaocdn.com', fallback: 'cdn', src: ['v2fly'], rules: [r('strip.taobaocdn.com', 'telemetry', 'v2fly')] },
  { domain: 'tbcache.com', fallback: 'cdn', src: ['v2fly'], rules: [] },
  { domain: 'alikunlun.com', fallback: 'cdn', src: ['v2fly'], rules: [] },
  {
    domain: 'taobao.com',
    fallback: 'shopping',
    src: ['v2fly', 'tb_sso'],
    rules: [
      r('login.taobao.com', 'login', 'tb_login_hosts'),
      r('havanalogin.taobao.com', 'login', 'tb_login_hosts'),
      r('qrlogin.taobao.com', 'login', 'tb_login_hosts'),
      r('loginmyseller.taobao.com', 'login', 'tb_login_hosts'),
      r('h5api.m.taobao.com', 'mtop', 'mtop'),
      r('acs.m.taobao.com', 'mtop', 'mtop'),
      r('adash*.m.taobao.com', 'telemetry', 'v2fly'),
      r('simba*.taobao.com', 'telemetry', 'v2fly'),
      r('g.click.taobao.com', 'telemetry', 'v2fly'),
    ],
  },
  {
    domain: 'tmall.com',
    fallback: 'shopping',
    src: ['v2fly', 'tb_sso'],
    rules: [
      r('login.tmall.com', 'login', 'tb_sso'),
      r('pass.tmall.com', 'login', 'tmall_pass'),
      r('tmcc.tmall.com', 'login', 'tb_sso'),
    ],
  },
  { domain: 'tmall.hk', fallback: 'shopping', src: ['tmall_pass'], rules: [r('pass.tmall.hk', 'login', 'tmall_pass')] },
  {
    domain: '1688.com',
    fallback: 'shopping',
    src: ['v2fly'],
    rules: [
      r('h5api.m.1688.com', 'mtop', 'mtop'),
      r('login.1688.com', 'login', 'tb_login_hosts'),
      r('match.p4p.1688.com', 'telemetry', 'v2fly'),
    ],
  },
  {
    domain: 'goofish.com',
    fallback: 'shopping',
    src: ['goofish'],
    rules: [r('passport.goofish.com', 'login', 'goofish'), r('h5api.m.goofish.com', 'mtop', 'goofish')],
  },
  {
    domain: 'alibaba.com',
    fallback: 'shopping',
    src: ['v2fly'],
    rules: [
      r('passport.alibaba.com', 'login', 'ali_login_cookies'),
      r('login.alibaba.com', 'login', 'ali_login_cookies'),
    ],
  },
  {
    domain: 'aliexpress.com',
    fallback: 'shopping',
    src: ['v2fly'],
    rules: [r('login.aliexpress.com', 'login', 'v2fly')],
  },
  { domain: 'alipay.com', fallback: 'payments', src: ['v2fly'], rules: [r('amdc.alipay.com', 'telemetry', 'v2fly')] },
  { domain: 'alipayobjects.com', fallback: 'cdn', src: ['v2fly'], rules: [] },
  {
    domain: 'dingtalk.com',
    fallback: 'dingtalk',
    src: ['v2fly', 'dingtalk'],
    rules: [r('login.dingtalk.com', 'login', 'dingtalk')],
  },
  {
    domain: 'yuque.com',
    fallback: 'docs',
    src: ['yuque'],
    rules: [r('cdn-china-mainland.yuque.com', 'cdn', 'yuque')],
  },
  { domain: 'nlark.com', fallback: 'cdn', src: ['yuque'], rules: [] },
  {
    domain: 'aliyundrive.com',
    fallback: 'drive',
    src: ['v2fly', 'alipan'],
    rules: [r('auth.aliyundrive.com', 'login', 'alipan'), r('passport.aliyundrive.com', 'login', 'alipan')],
  },
  { domain: 'alipan.com', fallback: 'drive', src: ['alipan'], rules: [r('auth.alipan.com', 'login', 'alipan')] },
  { domain: 'ele.me', fallback: 'shopping', src: ['v2fly'], rules: [] },
  { domain: 'mmstat.com', fallback: 'telemetry', src: ['mmstat'], rules: [] },
  { domain: 'tb.cn', fallback: 'shopping', src: ['v2fly'], rules: [] },
  { domain: 'fliggy.com', fallback: 'shopping', src: ['v2fly'], rules: [r('pass.fliggy.com', 'login', 'tmall_pass')] },
  { domain: 'etao.com', fallback: 'shopping', src: ['tb_sso'], rules: [r('pass.etao.com', 'login', 'tb_sso')] },
  { domain: 'youku.com', fallback: 'shopping', src: ['v2fly'], rules: [r('acs.youku.com', 'mtop', 'mtop')] },
];

/** Hosts whose pages are login/SSO steps (used by loop detection), beyond the `login` service. */
export const LOGIN_HOST_HINTS: readonly string[] = [
  'login.',
  'havanalogin.',
  'signin.',
  'signin-intl.',
  'account.',
  'passport.',
  'pass.',
  'auth.',
];

/** Status pages shown in the popup's "open the official status page" action. */
export const STATUS_PAGES = { cn: 'https://status.aliyun.com/', intl: 'https://status.alibabacloud.com/' } as const;
