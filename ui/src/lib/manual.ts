// The manual change form: which fields each kind asks for, and the ManualChange it sends
// (checked once more in Rust: crates/app/src/manual.rs).

import type { ManualChange } from '../bindings'

export type ManualKind = ManualChange['kind']

export const MANUAL_KINDS: ManualKind[] = ['withdrawal', 'retirement', 'join', 'transfer', 'plan_change', 'leave', 'update', 'bank_transfer']

export const OPTIONS = ['end', 'lump_sum', 'bank_transfer'] as const

/** The text fields of each kind, in form order (`option`, `back`, `account_type` are choices). */
export const FIELDS: Record<ManualKind, string[]> = {
  withdrawal: ['enrollment', 'date', 'option'],
  retirement: ['employee_no', 'date', 'option'],
  join: ['employee_no', 'insured', 'product', 'plan', 'units', 'applied_on'],
  transfer: ['employee_no', 'office', 'date'],
  plan_change: ['enrollment', 'plan', 'units', 'date'],
  leave: ['employee_no', 'back'],
  update: ['employee_no', 'name', 'name_kana', 'email', 'postal_code', 'address'],
  bank_transfer: ['employee_no', 'bank', 'branch', 'account_type', 'account_no', 'holder_kana'],
}

export type Fields = Record<string, string>

const s = (f: Fields, k: string) => (f[k] ?? '').trim()
const opt = (f: Fields, k: string) => s(f, k) || null
const units = (f: Fields) => {
  const n = Number.parseInt(s(f, 'units'), 10)
  return Number.isFinite(n) && n > 0 ? n : 1
}

/** The change the form describes. */
export function buildChange(kind: ManualKind, f: Fields): ManualChange {
  switch (kind) {
    case 'withdrawal':
      return { kind, enrollment: s(f, 'enrollment'), date: s(f, 'date'), option: s(f, 'option') || 'end' }
    case 'retirement':
      return { kind, employee_no: s(f, 'employee_no'), date: s(f, 'date'), option: s(f, 'option') || 'end' }
    case 'join':
      return {
        kind,
        employee_no: s(f, 'employee_no'),
        insured: s(f, 'insured') || 'self',
        product: s(f, 'product'),
        plan: s(f, 'plan'),
        units: units(f),
        applied_on: s(f, 'applied_on'),
      }
    case 'transfer':
      return { kind, employee_no: s(f, 'employee_no'), office: s(f, 'office'), date: s(f, 'date') }
    case 'plan_change':
      return { kind, enrollment: s(f, 'enrollment'), plan: s(f, 'plan'), units: units(f), date: s(f, 'date') }
    case 'leave':
      return { kind, employee_no: s(f, 'employee_no'), back: s(f, 'back') === 'true' }
    case 'update':
      return {
        kind,
        employee_no: s(f, 'employee_no'),
        name: opt(f, 'name'),
        name_kana: opt(f, 'name_kana'),
        email: opt(f, 'email'),
        postal_code: opt(f, 'postal_code'),
        address: opt(f, 'address'),
      }
    case 'bank_transfer':
      return {
        kind,
        employee_no: s(f, 'employee_no'),
        bank: s(f, 'bank'),
        branch: s(f, 'branch'),
        account_type: s(f, 'account_type') || '1',
        account_no: s(f, 'account_no'),
        holder_kana: s(f, 'holder_kana'),
      }
  }
}

/** The element id of a field (the withdrawal's are fixed: #wd-enrollment, #wd-date, #wd-option). */
export function fieldId(kind: ManualKind, field: string): string {
  return kind === 'withdrawal' ? `wd-${field}` : `mf-${kind}-${field}`.replaceAll('_', '-')
}
