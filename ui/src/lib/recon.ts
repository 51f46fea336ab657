// The reconciliation view: buckets in the order a clerk works them (differences first).

import type { ReconRow } from '../bindings'

export const BUCKETS = ['not_deducted', 'partial', 'not_billed', 'matched'] as const
export type Bucket = (typeof BUCKETS)[number]

const rank = (b: string) => {
  const i = (BUCKETS as readonly string[]).indexOf(b)
  return i < 0 ? BUCKETS.length : i
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const order = (a: ReconRow, b: ReconRow) =>
  rank(a.bucket) - rank(b.bucket) || text(a.office, b.office) || text(a.employee_no, b.employee_no)

/** Rows of `bucket` ('all' for every row), differences first, then office and employee number.
 * The session sends them in that order (300,000 rows sorted in the page took the webview's
 * thread for seconds): checked in one pass, sorted here only when they are not. */
export function reconRows(rows: ReconRow[], bucket: Bucket | 'all'): ReconRow[] {
  const out = bucket === 'all' ? rows : rows.filter((r) => r.bucket === bucket)
  for (let i = 1; i < out.length; i++) {
    if (order(out[i - 1], out[i]) > 0) return [...out].sort(order)
  }
  return out
}

/** Rows per bucket, counted from the rows when the server's counts are missing. */
export function bucketCounts(rows: ReconRow[], given: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const b of BUCKETS) out[b] = given?.[b] ?? rows.filter((r) => r.bucket === b).length
  return out
}
