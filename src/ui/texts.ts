/** Text resolution for the UI pages: the locale tables first, then optional fallbacks (mock fixtures). */
import { MESSAGES, t, type Lang } from '../core/i18n/messages';
import type { Text } from '../core/types';
import { pickLang } from '../core/i18n/messages';
import type { LangSetting } from '../core/settings';

export type Fallbacks = Record<string, { en: string; zh_CN: string }>;
export type Resolve = (x: Text) => string;

export function makeResolver(lang: Lang, fallbacks?: Fallbacks): Resolve {
  return (x) => {
    if (MESSAGES[lang][x.key] || MESSAGES.en[x.key] || !fallbacks?.[x.key]) return t(lang, x.key, x.args);
    const args = x.args ?? [];
    return fallbacks[x.key]![lang].replace(/\$(\d)/g, (_s, d: string) => {
      const v = args[Number(d) - 1];
      return v === undefined ? '' : String(v);
    });
  };
}

/** The language to show: the setting when not 'auto', else the browser's UI language. */
export function effectiveLang(setting: LangSetting | undefined, uiLanguage: string): Lang {
  return setting && setting !== 'auto' ? setting : pickLang(uiLanguage);
}
