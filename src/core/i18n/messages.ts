/**
 * Texts. The single source is public/_locales/<lang>/messages.json (the browser's own i18n format), used by
 * the extension through the browser and by the CLI, the popup's language override and tests through this
 * module. Substitutions use `$1`…`$9` in the message (positional), so no `placeholders` block is needed.
 */
import en from '../../../public/_locales/en/messages.json';
import zhCN from '../../../public/_locales/zh_CN/messages.json';
import type { Text } from '../types';

export type Lang = 'en' | 'zh_CN';
export type MessageTable = Record<string, { message: string; description?: string }>;

export const MESSAGES: Record<Lang, MessageTable> = { en: en as MessageTable, zh_CN: zhCN as MessageTable };
export const LANGS: readonly Lang[] = ['en', 'zh_CN'];

/** Pick a supported language from a BCP-47 tag or POSIX locale (zh, zh-CN, zh_CN.UTF-8, zh-Hans → zh_CN). */
export function pickLang(tag: string | undefined | null): Lang {
  return tag && /^zh/i.test(tag) ? 'zh_CN' : 'en';
}

/** Format a message with positional substitutions `$1`…`$9`. Missing keys return the key itself. */
export function t(lang: Lang, key: string, args: readonly (string | number)[] = []): string {
  const m = MESSAGES[lang][key] ?? MESSAGES.en[key];
  if (!m) return key;
  return m.message.replace(/\$(\d)/g, (_s, d: string) => {
    const v = args[Number(d) - 1];
    return v === undefined ? '' : String(v);
  });
}

/** The locale key of a cause's title or explanation: `cause_<id>_title` (dashes become underscores). */
export function causeKey(cause: string, part: 'title' | 'explain'): string {
  return `cause_${cause.replace(/-/g, '_')}_${part}`;
}

export function text(lang: Lang, x: Text): string {
  return t(lang, x.key, x.args);
}
