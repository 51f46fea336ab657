// The reconciliation view: buckets in the order a clerk works them (differences first).

import type { ReconRow } from '../bindings'

export const BUCKETS = ['not_deducted', 'partial', 'not_billed', 'matched'] as const
export type Bucket = (typeof BUCKETS)[number]

const rank = (b: string) => {
  const i = (BUCKETS as readonly string[]).indexOf(b)
  return i < 0 ? BUCKETS.length : i
}

/** Rows of `bucket` ('all' for every row), differences first, then office and employee number. */
export function reconRows(rows: ReconRow[], bucket: Bucket | 'all'): ReconRow[] {
  const out = bucket === 'all' ? [...rows] : rows.filter((r) => r.bucket === bucket)
  return out.sort(
    (a, b) =>
      rank(a.bucket) - rank(b.bucket) || a.office.localeCompare(b.office) || a.employee_no.localeCompare(b.employee_no),
  )
}

/** Rows per bucket, counted from the rows when the server's counts are missing. */
export function bucketCounts(rows: ReconRow[], given: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const b of BUCKETS) out[b] = given?.[b] ?? rows.filter((r) => r.bucket === b).length
  return out
}
