/** Text resolution for the UI pages: the locale tables (public/_locales), nothing else. */
import { t, type Lang } from '../core/i18n/messages';
import type { Text } from '../core/types';
import { pickLang } from '../core/i18n/messages';
import type { LangSetting } from '../core/settings';

export type Resolve = (x: Text) => string;

export function makeResolver(lang: Lang): Resolve {
  return (x) => t(lang, x.key, x.args);
}

/** The language to show: the setting when not 'auto', else the browser's UI language. */
export function effectiveLang(setting: LangSetting | undefined, uiLanguage: string): Lang {
  return setting && setting !== 'auto' ? setting : pickLang(uiLanguage);
}
