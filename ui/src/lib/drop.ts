// A file dropped onto the window: what it most likely is, from the screen and the file name.

import type { Screen } from './next'

export type FileKind = 'package' | 'hr' | 'roster' | 'deductions' | 'bank_result'

export const FILE_KINDS: FileKind[] = ['package', 'hr', 'roster', 'deductions', 'bank_result']

/** Where the import goes after a drop. */
export const SCREEN_OF: Record<FileKind, Screen> = {
  package: 'load',
  hr: 'changes',
  roster: 'changes',
  deductions: 'deductions',
  bank_result: 'deductions',
}

/** The likely kind: the screen the clerk is on first, then the file's extension. */
export function guessKind(screen: Screen, name: string): FileKind {
  const ext = name.toLowerCase().split('.').pop() ?? ''
  if (screen === 'load') return 'package'
  if (screen === 'changes') return /roster|名簿/i.test(name) ? 'roster' : 'hr'
  if (screen === 'deductions') return ['txt', 'dat'].includes(ext) || /zengin|振替/i.test(name) ? 'bank_result' : 'deductions'
  if (ext === 'json') return 'package'
  if (['txt', 'dat'].includes(ext)) return 'bank_result'
  if (/控除|deduct/i.test(name)) return 'deductions'
  if (/roster|名簿/i.test(name)) return 'roster'
  return 'hr'
}
