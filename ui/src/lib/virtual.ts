// Range math for the virtualised members table: fixed row height, a scroll container, only the
// visible rows (plus a little overscan) rendered, pages fetched as the user scrolls.

export interface Window {
  /** First row index rendered. */
  start: number
  /** One past the last row index rendered. */
  end: number
  /** Spacer height above the rendered rows (px). */
  top: number
  /** Spacer height below the rendered rows (px). */
  bottom: number
}

/** The rows to render for a scroll position. */
export function visibleWindow(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): Window {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0, top: 0, bottom: 0 }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const count = Math.ceil(Math.max(0, viewport) / rowHeight) + 1
  const start = Math.max(0, Math.min(total - 1, first) - overscan)
  const end = Math.min(total, first + count + overscan)
  return { start, end, top: start * rowHeight, bottom: (total - end) * rowHeight }
}

/** The page indexes (of `pageSize` rows) covering rows [start, end). */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  if (end <= start || pageSize <= 0) return []
  const out: number[] = []
  for (let p = Math.floor(start / pageSize); p <= Math.floor((end - 1) / pageSize); p++) out.push(p)
  return out
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(index: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = index * rowHeight
  if (top < scrollTop) return top
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport
  return scrollTop
}

/** Keep only the pages near `keep` (a small cache for a 300,000-row table). */
export function prunePages<T>(pages: Map<number, T>, keep: number[], radius = 4): Map<number, T> {
  if (pages.size <= keep.length + radius * 2) return pages
  const lo = Math.min(...keep) - radius
  const hi = Math.max(...keep) + radius
  const out = new Map<number, T>()
  for (const [k, v] of pages) if (k >= lo && k <= hi) out.set(k, v)
  return out
}
