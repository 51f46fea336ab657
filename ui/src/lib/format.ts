// Display formatting: yen are integers (BillDoc), shown with thousands separators.

const NUMBER = new Intl.NumberFormat('ja-JP', { maximumFractionDigits: 0 })

/** 1234 → "1,234". */
export function num(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? '—' : NUMBER.format(n)
}

/** 1234 → "1,234円" (Japanese) or "¥1,234" (English); negatives as "-1,234円" / "-¥1,234". */
export function yen(n: number | null | undefined, lang: 'ja' | 'en' = 'ja'): string {
  if (n == null || !Number.isFinite(n)) return '—'
  const sign = n < 0 ? '-' : ''
  const abs = NUMBER.format(Math.abs(n))
  return lang === 'en' ? `${sign}¥${abs}` : `${sign}${abs}円`
}

/** A difference with its sign: +1,234円, -500円, ±0円. */
export function delta(n: number, lang: 'ja' | 'en' = 'ja'): string {
  if (n === 0) return lang === 'en' ? '±¥0' : '±0円'
  return n > 0 ? `+${yen(n, lang)}` : yen(n, lang)
}

/** Revision 0 = not confirmed yet; 1 = 第1版 (初版); N = 第N版. */
export function revision(n: number, lang: 'ja' | 'en' = 'ja'): string {
  if (n <= 0) return lang === 'en' ? 'not confirmed' : '未確定'
  return lang === 'en' ? `revision ${n}` : `第${n}版`
}

/** "2026-12" → "2026年12月" (ja) or "Dec 2026" (en); anything else unchanged. */
export function monthLabel(month: string, lang: 'ja' | 'en' = 'ja'): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month)
  if (!m) return month
  if (lang === 'ja') return `${m[1]}年${Number(m[2])}月`
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${names[Number(m[2]) - 1]} ${m[1]}`
}

/** YYYY-MM of `now` (local time). */
export function currentMonth(now: Date = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`
}

/** `month` moved by `delta` months, or unchanged when it is not YYYY-MM. */
export function addMonths(month: string, delta: number): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month.trim())
  if (!m) return month
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + delta
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** Whether text is a YYYY-MM month. */
export function isMonth(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s.trim())
}
