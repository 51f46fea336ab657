// The file imports, shared by their screens and by a drop onto the window: each keeps its last
// result here so the screen shows it whichever way the file came.

import { commands, type DeductionSummary, type ExportSummary, type HrImport, type LoadSummary, type Source } from '../bindings'
import { act, go, progress, t } from './app.svelte'
import { SCREEN_OF, type FileKind } from './drop'

export const last = $state({
  load: null as LoadSummary | null,
  hr: null as HrImport | null,
  roster: null as ExportSummary | null,
  deductions: null as DeductionSummary | null,
  bank: null as ExportSummary | null,
  /** Deduction files: full (every member) or exceptions only (the default). */
  full: false,
})

export async function loadPackage(source: Source) {
  const r = await act(() => commands.loadPackage(source), {
    changes: true,
    notice: (s) => (s ? t('load.done', { group: s.group, month: s.month }) : null),
  })
  if (r?.data) last.load = r.data
}

export async function loadFromServer(month: string) {
  const r = await act(() => commands.loadFromServer(month), {
    changes: true,
    notice: (s) => t('load.done', { group: s.group, month: s.month }),
  })
  if (r) last.load = r.data
}

export async function importHr(source: Source) {
  const r = await act(() => commands.importHr(source, progress()), { changes: true })
  if (r?.data) last.hr = r.data
}

export async function importRoster(source: Source) {
  const r = await act(() => commands.importRoster(source), {
    changes: true,
    notice: (s) => (s ? t('changes.rosterDone', { records: s.records }) : null),
  })
  if (r?.data) last.roster = r.data
}

export async function importDeductions(source: Source) {
  const full = last.full
  const r = await act(() => commands.importDeductions(source, full, progress()), { changes: true })
  if (r?.data) last.deductions = r.data
}

export async function importBankResult(source: Source) {
  const r = await act(() => commands.importBankResult(source), { changes: true })
  if (r?.data) last.bank = r.data
}

/** Import the dropped file as `kind`, on the screen that shows the result. */
export async function importDropped(kind: FileKind) {
  go(SCREEN_OF[kind])
  const run = { package: loadPackage, hr: importHr, roster: importRoster, deductions: importDeductions, bank_result: importBankResult }[kind]
  await run('dropped')
}
