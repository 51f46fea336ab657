// YYYY-MM helpers for the month picker (local time).

export function currentMonth(now: Date = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`
}

/** `month` moved by `delta` months, or `month` unchanged when it is not YYYY-MM. */
export function addMonths(month: string, delta: number): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month.trim())
  if (!m) return month
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + delta
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}
