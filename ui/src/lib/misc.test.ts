import { afterEach, expect, test, vi } from 'vitest'
import { debounce } from './debounce'
import { guessKind } from './drop'
import { buildChange, fieldId } from './manual'
import { cell, tableOf } from './payments'
import { settle, toAppError } from './result'

afterEach(() => {
  vi.useRealTimers()
})

test('the search box waits for a pause', () => {
  vi.useFakeTimers()
  const seen: string[] = []
  const d = debounce((s: string) => seen.push(s), 150)
  d('や')
  d('やま')
  vi.advanceTimersByTime(149)
  expect(seen).toEqual([])
  d('やまだ')
  vi.advanceTimersByTime(150)
  expect(seen).toEqual(['やまだ'])
})

test('a manual withdrawal is sent as typed, trimmed; the option defaults to end', () => {
  expect(buildChange('withdrawal', { enrollment: ' E0001 ', date: '2026-12-10', option: 'lump_sum' })).toEqual({
    kind: 'withdrawal',
    enrollment: 'E0001',
    date: '2026-12-10',
    option: 'lump_sum',
  })
  expect(buildChange('withdrawal', { enrollment: 'E1', date: 'x' })).toMatchObject({ option: 'end' })
  expect(buildChange('join', { employee_no: '1', product: 'P', plan: 'A', units: 'abc', applied_on: 'd' })).toMatchObject({
    insured: 'self',
    units: 1,
  })
  expect(buildChange('update', { employee_no: '1', name: ' ', email: 'a@b' })).toEqual({
    kind: 'update',
    employee_no: '1',
    name: null,
    name_kana: null,
    email: 'a@b',
    postal_code: null,
    address: null,
  })
  expect(buildChange('leave', { employee_no: '1', back: 'true' })).toEqual({ kind: 'leave', employee_no: '1', back: true })
  expect(fieldId('withdrawal', 'enrollment')).toBe('wd-enrollment')
  expect(fieldId('plan_change', 'units')).toBe('mf-plan-change-units')
})

test('a dropped file is guessed from the screen, then its name', () => {
  expect(guessKind('load', 'x.xlsx')).toBe('package')
  expect(guessKind('changes', 'hr.xlsx')).toBe('hr')
  expect(guessKind('changes', '名簿.xlsx')).toBe('roster')
  expect(guessKind('deductions', 'deductions.csv')).toBe('deductions')
  expect(guessKind('deductions', 'result.txt')).toBe('bank_result')
  expect(guessKind('dashboard', 'bill-package.json')).toBe('package')
  expect(guessKind('dashboard', '控除結果.csv')).toBe('deductions')
})

test('payments: per-office rows as a table, else nothing', () => {
  const t = tableOf({ month: '2026-12', offices: [{ office: 'O1', expected: 1000, received: 0 }, { office: 'O2', expected: 5 }] })
  expect(t?.columns).toEqual(['office', 'expected', 'received'])
  expect(t?.rows).toHaveLength(2)
  expect(tableOf({ ok: true })).toBeNull()
  expect(tableOf([1, 2])).toBeNull()
  expect(cell(1234567)).toBe('1,234,567')
  expect(cell(null)).toBe('')
})

test('errors are acted on by code; a failed invoke becomes internal', async () => {
  expect(await settle(Promise.resolve({ status: 'ok' as const, data: 1 }))).toEqual({ ok: true, data: 1 })
  const refused = { code: 'refused' as const, message: 'B1001' }
  expect(await settle(Promise.resolve({ status: 'error' as const, error: refused }))).toEqual({ ok: false, error: refused })
  const thrown = await settle(Promise.reject(new Error('no window')))
  expect(thrown).toMatchObject({ ok: false, error: { code: 'internal' } })
  expect(toAppError({ code: 'bogus', message: 'x' }).code).toBe('internal')
})
