// Answers of the Rust side for the screens' smoke test (App.test.ts).

import type { BillView, ChangeGroup, ChangeItem, ChangeList, LinePage, MemberRow, Overview, ReconPage } from './bindings'

const totals = { premium_total: 1234567, fee: 24691, fee_tax: 2469, invoice_amount: 1261727 }

export const overview: Overview = {
  months: [
    { group: 'G0001', month: '2026-12', state: 'adjusting', state_label: '調整中', revision: 0, package_version: 'abc', proposed: 2, accepted: 1, rejected: 0, notes: 1 },
  ],
  current: {
    status: { group: 'G0001', month: '2026-12', state: 'adjusting', state_label: '調整中', revision: 0, package_version: 'abc', proposed: 2, accepted: 1, rejected: 0, notes: 1 },
    steps: ['loaded', 'adjusting', 'confirmed', 'deducted', 'reported', 'closed'].map((code, i) => ({ code, done: i < 1, current: i === 1 })),
    next: 'review_changes',
    findings: [{ code: 'B1001', severity: 'error', message: '料率がありません', office: 'O001', employee_no: '000147', enrollment: null }],
    findings_total: 1,
    errors: 1,
    totals,
    due_date: '2027-01-27',
    offices: 2,
    receipt_no: null,
  },
  server: { group: 'G0001', url: 'https://127.0.0.1:8443', ca_file: null },
  token_saved: true,
  outbox: [],
  connection: { ok: false, at: '2026-12-05 09:00:00', message: '保険会社に接続できません' },
  out_dir: '/home/clerk/InfoOne/outputs',
  demo: true,
}

export const changes: ChangeItem[] = [
  { id: 1, kind: 'hire', status: 'proposed', source: 'hr.xlsx', employee_no: '000301', summary: '入社: 000301 佐藤 事業所O001' },
  { id: 2, kind: 'withdrawal', status: 'proposed', source: 'hr.xlsx', employee_no: '000147', summary: '脱退: 加入E000147-1 2026-12-10 選択end' },
  { id: 3, kind: 'transfer', status: 'accepted', source: 'hr.xlsx', employee_no: '000002', summary: '事業所異動: 000002 → O002' },
  { id: 4, kind: 'update', status: 'note', source: 'hr.xlsx', employee_no: '000003', summary: '確認: 生年月日が違います', code: 'H2001' },
]

function group(key: string, items: ChangeItem[]): ChangeGroup {
  const [category, kind] = key.split(':')
  const open = items.filter((c) => c.status === 'proposed').map((c) => c.id)
  return { key, kind, category, total: items.length, open, offset: 0, items }
}

/** The review list as the session groups it: new, changed, ended, notes. */
export const changeList: ChangeList = {
  groups: [
    group('new:hire', [changes[0]]),
    group('changed:transfer', [changes[2]]),
    group('ended:withdrawal', [changes[1]]),
    group('note:update', [changes[3]]),
  ],
  counts: { proposed: 2, accepted: 1, note: 1 },
  proposed: 2,
}

export function memberRow(i: number): MemberRow {
  const no = String(i + 1).padStart(6, '0')
  return { employee_no: no, name: `加入者${no}`, name_kana: 'カニュウシャ', office: 'O001', status: 'active', status_label: '在籍', products: ['P01'], enrollments: 1 }
}

export const bill: BillView = {
  group: 'G0001',
  month: '2026-12',
  state: 'adjusting',
  revision: 0,
  due_date: '2027-01-27',
  offices: [
    { code: 'O001', name: '本社', deduction_destination: 'D1', lines: 1200, premium_total: 1000000, fee: 20000, fee_tax: 2000, invoice_amount: 1022000 },
    { code: 'O002', name: '支店', deduction_destination: 'D1', lines: 1, premium_total: 234567, fee: 4691, fee_tax: 469, invoice_amount: 239727 },
  ],
  totals,
  findings: [],
  findings_total: 0,
  errors: 0,
  individual_bills: [],
  individual_total: 0,
  commissions: [],
}

/** Lines of an office's bill, `offset..offset + limit` of `total`. */
export function linePage(office: string, offset: number, limit: number, total: number): LinePage {
  const n = Math.max(0, Math.min(limit, total - offset))
  return {
    office,
    total,
    offset,
    lines: Array.from({ length: n }, (_, i) => ({
      kind: 'regular', enrollment: `E${offset + i}`, employee_no: String(offset + i + 1).padStart(6, '0'), product: 'P01', month: '2026-12', amount: 1200,
    })),
  }
}

/** A reconciliation of 2,000 members, 600 not deducted, paged as the session pages it. */
export function reconPage(q: { bucket: string | null; offset: number; limit: number }): ReconPage {
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const missed = i < 600
    return {
      employee_no: i === 0 ? '000147' : String(100000 + i),
      name: `加入者${i}`,
      office: 'O001',
      billed: 1500,
      deducted: missed ? 0 : 1500,
      undeducted: missed ? 1500 : 0,
      bucket: missed ? 'not_deducted' : 'matched',
      reason: missed ? '休職' : null,
    }
  })
  const of = rows.filter((r) => q.bucket === null || r.bucket === q.bucket)
  return {
    source: 'deductions.csv',
    mode: 'exceptions',
    payable: 1000,
    all: rows.length,
    buckets: { not_deducted: 600, matched: 1400 },
    total: of.length,
    offset: q.offset,
    rows: of.slice(q.offset, q.offset + q.limit),
    undeducted: [],
    undeducted_total: 0,
  }
}
