// The dashboard's next action: the rule is in Rust (Dashboard.next); here its words and the
// screen that does it.

export type Screen = 'dashboard' | 'load' | 'members' | 'changes' | 'bill' | 'outputs' | 'deductions' | 'report' | 'settings'

/** Sidebar order: Alt+1 … Alt+9. */
export const SCREENS: Screen[] = ['dashboard', 'load', 'members', 'changes', 'bill', 'outputs', 'deductions', 'report', 'settings']

const TARGET: Record<string, Screen> = {
  review_changes: 'changes',
  fix_errors: 'bill',
  confirm: 'bill',
  outputs: 'outputs',
  deductions: 'deductions',
  submit: 'report',
  done: 'report',
}

/** The screen where the next action is done; `null` for an unknown code. */
export function nextScreen(next: string): Screen | null {
  return TARGET[next] ?? null
}

/** The i18n keys for the sentence and the button of a next action. */
export function nextKeys(next: string): { sentence: string; button: string } {
  const known = next in TARGET ? next : 'unknown'
  return { sentence: `next.${known}`, button: `next.${known}.button` }
}

/** Alt+digit → screen (Alt+1 = dashboard … Alt+9 = settings). */
export function screenForKey(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'key' | 'code'>): Screen | null {
  if (!e.altKey || e.ctrlKey || e.metaKey) return null
  const m = /^(?:Digit|Numpad)([1-9])$/.exec(e.code) ?? /^([1-9])$/.exec(e.key)
  return m ? SCREENS[Number(m[1]) - 1] : null
}
