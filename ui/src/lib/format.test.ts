import { describe, expect, test } from 'vitest'
import { addMonths, currentMonth, delta, isMonth, monthLabel, num, revision, yen } from './format'

describe('yen', () => {
  test.each([
    [0, 'ja', '0円'],
    [1234, 'ja', '1,234円'],
    [1234567, 'ja', '1,234,567円'],
    [-500, 'ja', '-500円'],
    [1234, 'en', '¥1,234'],
    [-1234, 'en', '-¥1,234'],
  ] as const)('%d (%s) → %s', (n, lang, want) => {
    expect(yen(n, lang)).toBe(want)
  })
  test('missing amounts show a dash', () => {
    expect(yen(null)).toBe('—')
    expect(num(undefined)).toBe('—')
  })
})

test('delta carries its sign', () => {
  expect(delta(1200)).toBe('+1,200円')
  expect(delta(-300)).toBe('-300円')
  expect(delta(0)).toBe('±0円')
  expect(delta(5, 'en')).toBe('+¥5')
})

test('revision: 第N版, or not confirmed yet', () => {
  expect(revision(0)).toBe('未確定')
  expect(revision(1)).toBe('第1版')
  expect(revision(2)).toBe('第2版')
  expect(revision(3, 'en')).toBe('revision 3')
})

test('months', () => {
  expect(currentMonth(new Date(2026, 11, 5))).toBe('2026-12')
  expect(addMonths('2026-12', 1)).toBe('2027-01')
  expect(addMonths('2027-01', -1)).toBe('2026-12')
  expect(addMonths('junk', 1)).toBe('junk')
  expect(monthLabel('2026-12')).toBe('2026年12月')
  expect(monthLabel('2026-03', 'en')).toBe('Mar 2026')
  expect(isMonth('2026-12')).toBe(true)
  expect(isMonth('2026-13')).toBe(false)
  expect(isMonth('2026/12')).toBe(false)
})
