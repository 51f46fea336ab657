// The insurer's payments answer is free JSON: when it carries per-office rows, show a table.

export interface Table {
  columns: string[]
  rows: Record<string, unknown>[]
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The first array of objects found (the value itself, or a top-level field such as `offices`). */
export function tableOf(value: unknown): Table | null {
  const arrays: unknown[] = Array.isArray(value) ? [value] : isRecord(value) ? Object.values(value).filter(Array.isArray) : []
  for (const a of arrays as unknown[][]) {
    const rows = a.filter(isRecord)
    if (rows.length === 0 || rows.length !== a.length) continue
    const columns: string[] = []
    for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k) && !isRecord(r[k]) && !Array.isArray(r[k])) columns.push(k)
    if (columns.length > 0) return { columns, rows }
  }
  return null
}

/** A cell as text: numbers with separators, nothing for null. */
export function cell(v: unknown): string {
  if (v == null) return ''
  if (typeof v === 'number') return new Intl.NumberFormat('ja-JP').format(v)
  return String(v)
}
