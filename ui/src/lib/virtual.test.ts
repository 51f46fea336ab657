import { expect, test } from 'vitest'
import { pagesFor, prunePages, scrollToRow, visibleWindow } from './virtual'

test('the window at the top', () => {
  expect(visibleWindow(0, 320, 32, 300_000, 8)).toEqual({ start: 0, end: 19, top: 0, bottom: (300_000 - 19) * 32 })
})

test('the window in the middle of 300,000 rows renders a few dozen rows only', () => {
  const w = visibleWindow(32 * 150_000, 640, 32, 300_000, 8)
  expect(w.start).toBe(150_000 - 8)
  expect(w.end).toBe(150_000 + 21 + 8)
  expect(w.end - w.start).toBeLessThan(50)
  expect(w.top + (w.end - w.start) * 32 + w.bottom).toBe(300_000 * 32)
})

test('the window at the very end and past it', () => {
  const w = visibleWindow(32 * 299_990, 640, 32, 300_000, 8)
  expect(w.end).toBe(300_000)
  expect(w.bottom).toBe(0)
  const past = visibleWindow(1e12, 640, 32, 100, 8)
  expect(past.end).toBe(100)
  expect(past.start).toBe(91)
})

test('an empty table renders nothing', () => {
  expect(visibleWindow(0, 500, 32, 0)).toEqual({ start: 0, end: 0, top: 0, bottom: 0 })
})

test('pages covering a range', () => {
  expect(pagesFor(0, 19, 200)).toEqual([0])
  expect(pagesFor(190, 230, 200)).toEqual([0, 1])
  expect(pagesFor(400, 400, 200)).toEqual([])
  expect(pagesFor(1399, 1401, 200)).toEqual([6, 7])
})

test('scrolling a row into view', () => {
  expect(scrollToRow(0, 320, 320, 32)).toBe(0)
  expect(scrollToRow(20, 0, 320, 32)).toBe(21 * 32 - 320)
  expect(scrollToRow(5, 0, 320, 32)).toBe(0)
})

test('far pages are dropped from the cache', () => {
  const pages = new Map<number, string>()
  for (let p = 0; p < 40; p++) pages.set(p, `p${p}`)
  const kept = prunePages(pages, [20, 21], 2)
  expect([...kept.keys()]).toEqual([18, 19, 20, 21, 22, 23])
  const small = new Map([[0, 'a']])
  expect(prunePages(small, [0])).toBe(small)
})
