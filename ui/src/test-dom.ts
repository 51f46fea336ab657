// The screens' tests (jsdom): answers of the Rust side, DOM queries, and waiting until Svelte
// and the pending promises have settled.

import { flushSync, tick } from 'svelte'

/** An `ok` answer of a command, as tauri-specta's wrappers give it. */
export const ok = <T>(d: T) => Promise.resolve({ status: 'ok' as const, data: d })

export const $ = (css: string) => document.querySelector<HTMLElement>(css)
export const $$ = (css: string) => [...document.querySelectorAll<HTMLElement>(css)]

/** Until the effects, the commands' answers and the renders they cause are done. */
export async function settle() {
  for (let i = 0; i < 10; i++) {
    await tick()
    await new Promise((r) => setTimeout(r, 0))
  }
  flushSync()
}
