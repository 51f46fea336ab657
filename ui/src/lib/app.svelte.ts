// The window's shared state: the overview (header and dashboard), the current screen, the
// language, the error banner and the notice. Screens call commands through `act` (user actions:
// banner, busy, overview refreshed after a change) or `read` (quiet loads).

import { Channel } from '@tauri-apps/api/core'
import { tick } from 'svelte'
import { commands, type AppError, type Overview, type Progress } from '../bindings'
import { LANG_KEY, label, savedLang, translate, type Key, type Lang } from './i18n'
import type { Screen } from './next'
import { settle, type Answer } from './result'

export const app = $state({
  overview: null as Overview | null,
  screen: 'dashboard' as Screen,
  lang: savedLang(typeof localStorage === 'undefined' ? undefined : localStorage),
  error: null as AppError | null,
  notice: '',
  busy: 0,
  /** Where the running long step is (import, accept, confirm, deductions, submit), for the header's bar. */
  progress: null as Progress | null,
  /** Bumped after every change of data: screens reload what they show. */
  version: 0,
  /** Name of a file dropped onto the window, waiting for the clerk to say what it is. */
  dropped: null as string | null,
})

export function t(key: Key, params?: Record<string, string | number>): string {
  return translate(app.lang, key, params)
}

/** A key built at run time (falls back to the key itself). */
export function tk(key: string, params?: Record<string, string | number>): string {
  return translate(app.lang, key, params)
}

/** A code's label (`kind`, `state`, `cstatus` …) in the current language. */
export function lbl(prefix: string, code: string): string {
  return label(app.lang, prefix, code)
}

export function setLang(lang: Lang) {
  app.lang = lang
  document.documentElement.lang = lang
  try {
    localStorage.setItem(LANG_KEY, lang)
  } catch {
    /* private mode: the choice lasts this session */
  }
}

export function go(screen: Screen) {
  app.screen = screen
  app.error = null
}

export function showError(e: AppError) {
  app.error = e
  app.notice = ''
}

export async function refresh() {
  const r = await settle(commands.overview())
  if (r.ok) app.overview = r.data
  else showError(r.error)
}

/** The window's first look: the dashboard (its figures kept from the last computation), then,
 *  while the clerk reads it, the month's ledger made ready for the other screens. */
export async function start() {
  await refresh()
  if (hasMonth()) await settle(commands.warm())
}

/** A user action: clears the banner, shows busy, reports a failure in the banner; when it
 *  `changes` data, the overview is refreshed and the screens reload. `undefined` on failure. */
export async function act<T>(
  p: () => Promise<Answer<T>>,
  opts: { changes?: boolean; notice?: (data: T) => string | null } = {},
): Promise<{ data: T } | undefined> {
  app.error = null
  app.notice = ''
  app.busy++
  try {
    const r = await settle(p())
    if (!r.ok) {
      showError(r.error)
      if (opts.changes) await refresh()
      return undefined
    }
    if (opts.changes) {
      // The screens reload first (their reads are quick), then the overview (the dashboard's
      // figures: after a change, the month's bill made again, seconds on a big group). The
      // overview waits for the screens' reads, so the list the clerk looks at never queues
      // behind it for the session.
      app.version++
      await tick()
      await Promise.allSettled([...reading])
      await refresh()
    }
    const n = opts.notice?.(r.data)
    if (n) app.notice = n
    return { data: r.data }
  } finally {
    app.busy--
    if (app.busy === 0) app.progress = null
  }
}

/** A channel for a long step's progress: the header shows it as a bar while the step runs. */
export function progress(): Channel<Progress> {
  const channel = new Channel<Progress>()
  channel.onmessage = (p) => {
    app.progress = p
  }
  return channel
}

/** The screens' reads under way (see `act`). */
const reading = new Set<Promise<unknown>>()

/** A quiet read for a screen: failure goes to the banner, nothing else. */
export async function read<T>(p: () => Promise<Answer<T>>): Promise<T | undefined> {
  const pending = settle(p())
  reading.add(pending)
  try {
    const r = await pending
    if (r.ok) return r.data
    showError(r.error)
    return undefined
  } finally {
    reading.delete(pending)
  }
}

export const hasMonth = () => app.overview?.current != null
