// The window's words: Japanese by default, English switchable. Every string goes through here.

import { en } from './strings-en'
import { ja, type Key } from './strings-ja'

export type Lang = 'ja' | 'en'
export type { Key }

export const dictionaries: Record<Lang, Record<Key, string>> = { ja, en }

/** The text of `key` in `lang`, `{name}` placeholders filled from `params`; the key itself when
 *  missing (a missing word shows, it never breaks the screen). */
export function translate(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
  const dict = dictionaries[lang] as Record<string, string>
  const text = dict[key] ?? (ja as Record<string, string>)[key] ?? key
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
}

/** A code's label (`kind.join`, `state.loaded` …), or the code itself when there is none. */
export function label(lang: Lang, prefix: string, code: string): string {
  const key = `${prefix}.${code}`
  const dict = dictionaries[lang] as Record<string, string>
  return dict[key] ?? code
}

export const LANG_KEY = 'infoone.lang'

/** The saved language, Japanese unless English was chosen. */
export function savedLang(storage: Pick<Storage, 'getItem'> | undefined): Lang {
  try {
    return storage?.getItem(LANG_KEY) === 'en' ? 'en' : 'ja'
  } catch {
    return 'ja'
  }
}
