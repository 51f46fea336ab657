// @vitest-environment jsdom
// The whole window mounted against a stand-in for the Rust side: every screen renders with its
// selectors, the members table stays a window of rows at 300,000, errors show by code.

import { mount, unmount } from 'svelte'
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest'
import { $, $$, ok, settle } from './test-dom'
import * as data from './fixtures.test-data'


const commands = vi.hoisted(() => ({}) as Record<string, ReturnType<typeof vi.fn>>)

vi.mock('./bindings', () => ({ commands }))
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(() => Promise.resolve(() => {})) }))
vi.mock('@tauri-apps/api/core', () => ({
  Channel: class {
    onmessage: (p: unknown) => void = () => {}
  },
}))

Object.assign(commands, {
  overview: vi.fn(() => ok(data.overview)),
  warm: vi.fn(() => ok(null)),
  selectMonth: vi.fn(() => ok(null)),
  changes: vi.fn(() => ok(data.changeList)),
  preview: vi.fn(() =>
    ok({ offices: [{ office: 'O001', name: '本社', before: 1000, after: 1500, delta: 500 }], before_total: 1000, after_total: 1500, refused: [] }),
  ),
  accept: vi.fn(() => ok({ accepted: 2, rejected: 0 })),
  members: vi.fn((q: { offset: number; limit: number }) =>
    ok({
      total: 300_000,
      all: 300_000,
      offset: q.offset,
      rows: Array.from({ length: q.limit }, (_, i) => data.memberRow(q.offset + i)),
      offices: ['O001', 'O002'],
      products: ['P01'],
    }),
  ),
  bill: vi.fn(() => ok(data.bill)),
  billLines: vi.fn((office: string, offset: number, limit: number) => ok(data.linePage(office, offset, limit, office === 'O001' ? 1200 : 1))),
  reconciliation: vi.fn((q: { bucket: string | null; offset: number; limit: number }) => ok(data.reconPage(q))),
  unpaid: vi.fn(() => ok([])),
  audit: vi.fn(() => ok([{ id: 1, at: '2026-12-05 09:00', group: 'G0001', month: '2026-12', action: 'load', key: null, before: null, after: null, source: 'x.json', detail: null }])),
  protection: vi.fn(() =>
    ok({
      db_path: '/home/clerk/infoone.db',
      encrypted: true,
      key_place: 'OSの資格情報ストア（キーリング）',
      key_in_file: false,
      backups_dir: '/home/clerk/backups',
      backups: [
        { name: '2026-12-05T100000_2026-12_before-confirm.sqlite', taken_at: '2026-12-05T10:00:00', month: '2026-12', action: 'before-confirm', bytes: 2_400_000 },
      ],
    }),
  ),
  restoreBackup: vi.fn(() => ok({ restored: '2026-12-05T100000_2026-12_before-confirm.sqlite', saved_as: '2026-12-05T110000_all_before-restore.sqlite', months: [] })),
  importHr: vi.fn(() =>
    Promise.resolve({ status: 'error' as const, error: { code: 'bad_input', message: 'bad-hr.csv 2行目 生年月日\n「1990-13-45」は日付ではありません' } }),
  ),
  addChange: vi.fn(() => ok({ ...data.changes[1], id: 9, status: 'accepted' })),
})

let app: ReturnType<typeof mount>


async function nav(screen: string) {
  $(`[data-nav="${screen}"]`)!.click()
  await settle()
  expect($(`[data-screen="${screen}"]`), screen).not.toBeNull()
}

beforeAll(async () => {
  // jsdom has no layout: the members table's viewport is measured as 0 px.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  localStorage.clear()
  const { default: App } = await import('./App.svelte')
  document.body.innerHTML = '<div id="app"></div>'
  app = mount(App, { target: document.getElementById('app')! })
  await settle()
})

afterAll(() => unmount(app))

describe('the window', () => {
  test('opens on the dashboard, then makes the month ready for the other screens', () => {
    expect(commands.overview).toHaveBeenCalled()
    expect(commands.warm).toHaveBeenCalledTimes(1)
    expect(commands.overview.mock.invocationCallOrder[0]).toBeLessThan(commands.warm.mock.invocationCallOrder[0])
  })

  test('header: month picker, connection, outbox, demo', () => {
    expect($('#month-select')!.textContent).toContain('G0001')
    expect(($('#month-select') as HTMLSelectElement).value).toBe('G0001|2026-12')
    expect($('#connection')!.textContent).toContain('オフライン')
    expect($('#connection')!.textContent).toContain('保険会社に接続できません')
    expect($('#outbox-count')!.dataset.count).toBe('0')
    expect($$('[data-nav]')).toHaveLength(9)
  })

  test('dashboard: stepper, next action, revision, totals, findings', () => {
    expect($('[data-screen="dashboard"]')).not.toBeNull()
    expect($$('#stepper li').map((l) => l.textContent?.replace(/\s+/g, ''))).toEqual(['✓読込済', '2調整中', '3確定', '4控除反映', '5報告済', '6完了'])
    expect($('#stepper li.current')!.dataset.step).toBe('adjusting')
    expect($('#next-action')!.dataset.next).toBe('review_changes')
    expect($('#revision')!.textContent).toBe('未確定')
    expect($('#total-invoice-amount')!.textContent?.trim()).toBe('1,261,727円')
    expect($('#findings')!.textContent).toContain('B1001')
  })

  test('members: 300,000 rows, only a window of them in the DOM', async () => {
    await nav('members')
    expect($('#members-total')!.textContent).toContain('300,000')
    const rows = $$('#members-table tbody tr[data-index]')
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.length).toBeLessThan(60)
    expect(commands.members.mock.calls[0][0]).toMatchObject({ text: '', office: null, offset: 0, limit: 200 })
  })

  test('changes: grouped with badges, selection previews, refused file shows by code', async () => {
    await nav('changes')
    expect($$('[data-change-id]')).toHaveLength(4)
    expect($$('[data-change-id] input[type=checkbox]')).toHaveLength(2)
    expect($$('table.changes').map((t) => t.dataset.category)).toEqual(['new', 'changed', 'ended', 'note'])
    const box = $('[data-change-id="2"] input[type=checkbox]') as HTMLInputElement
    box.click()
    await new Promise((r) => setTimeout(r, 260))
    await settle()
    expect(commands.preview).toHaveBeenCalledWith([2])
    expect($('#preview')!.textContent).toContain('+500円')

    $('#hr-import')!.click()
    await settle()
    expect($('#error')!.dataset.code).toBe('bad_input')
    expect($('#error')!.textContent).toContain('bad-hr.csv')

    // Accepting all: the header shows the step's progress from its channel while it runs.
    let finish: (v: unknown) => void = () => {}
    commands.accept.mockImplementationOnce((_ids: unknown, ch: { onmessage: (p: unknown) => void }) => {
      ch.onmessage({ done: 4_500, total: 9_000, label: '変更を加入者に反映しています' })
      return new Promise((r) => (finish = r))
    })
    $('#accept-all')!.click()
    await settle()
    expect(($('#step-progress') as HTMLProgressElement).value).toBe(4_500)
    expect($('#step-progress-status')!.textContent).toContain('変更を加入者に反映しています 50%')
    commands.changes.mockClear()
    commands.overview.mockClear()
    // After a change the list reloads first; the overview (whose bill is made again) waits for it.
    let listed: () => void = () => {}
    commands.changes.mockImplementationOnce(() => new Promise((r) => (listed = () => r({ status: 'ok', data: data.changeList }))))
    finish({ status: 'ok', data: { accepted: 2, rejected: 0 } })
    await settle()
    expect(commands.changes).toHaveBeenCalledTimes(1)
    expect(commands.overview).not.toHaveBeenCalled()
    listed()
    await settle()
    expect(commands.overview).toHaveBeenCalledTimes(1)
    expect($('#step-progress')).toBeNull()
    expect($('#error')).toBeNull()
    expect(commands.accept).toHaveBeenCalledWith(null, expect.anything())
  })

  test('manual withdrawal form sends the typed change', async () => {
    const set = (css: string, v: string) => {
      const el = $(css) as HTMLInputElement
      el.value = v
      el.dispatchEvent(new Event('input', { bubbles: true }))
      el.dispatchEvent(new Event('change', { bubbles: true }))
    }
    set('#manual-kind', 'withdrawal')
    await settle()
    set('#wd-enrollment', 'E000147-1')
    set('#wd-date', '2026-12-10')
    set('#wd-option', 'lump_sum')
    $('#manual-submit')!.click()
    await settle()
    expect(commands.addChange).toHaveBeenCalledWith({ kind: 'withdrawal', enrollment: 'E000147-1', date: '2026-12-10', option: 'lump_sum' }, false)
    expect($('[data-screen="changes"]')!.textContent).toContain('E000147-1')
  })

  test('bill: per-office amounts with separators; confirm asks first', async () => {
    await nav('bill')
    expect($('[data-office="O001"] [data-field="invoice_amount"]')!.textContent?.trim()).toBe('1,022,000円')
    expect($('[data-office="O002"] [data-field="fee_tax"]')!.textContent?.trim()).toBe('469円')
    // An office's lines are asked for when it is opened, a page at a time.
    expect(commands.billLines).not.toHaveBeenCalled()
    $('[data-office="O001"] button[aria-controls="lines-O001"]')!.click()
    await settle()
    expect(commands.billLines).toHaveBeenLastCalledWith('O001', 0, 500)
    expect($$('#lines-O001 tbody tr')).toHaveLength(500)
    $('[data-more-lines="O001"]')!.click()
    await settle()
    expect(commands.billLines).toHaveBeenLastCalledWith('O001', 500, 500)
    expect($$('#lines-O001 tbody tr')).toHaveLength(1000)
    expect($('[data-more-lines="O001"]')!.textContent).toContain('200')
    $('#confirm')!.click()
    await settle()
    expect($('#confirm-yes')).not.toBeNull()
  })

  test('deductions, outputs, report, settings render', async () => {
    await nav('outputs')
    expect($('#export-all')).not.toBeNull()
    await nav('deductions')
    expect($('#deductions-import')).not.toBeNull()
    await nav('report')
    expect($('#submit-report')).not.toBeNull()
    await nav('settings')
    expect(($('#server-token') as HTMLInputElement).type).toBe('password')
    expect($('#audit')!.textContent).toContain('load')
    expect($('#protection-encryption')!.textContent).toContain('暗号化されています')
    const row = $('[data-backup="2026-12-05T100000_2026-12_before-confirm.sqlite"]')!
    expect(row.textContent).toContain('確定の前')
    expect(row.textContent).toContain('2.3 MB')
    // Restoring asks once more in the row before anything is done.
    $('[data-restore]')!.click()
    await settle()
    expect(commands.restoreBackup).not.toHaveBeenCalled()
    $('[data-restore-yes]')!.click()
    await settle()
    expect(commands.restoreBackup).toHaveBeenCalledWith('2026-12-05T100000_2026-12_before-confirm.sqlite')
  })

  test('English is one click away and remembered', async () => {
    $('#lang')!.click()
    await settle()
    expect($('[data-nav="dashboard"]')!.textContent).toContain('Home')
    expect(localStorage.getItem('infoone.lang')).toBe('en')
  })

  test('Alt+1 goes home', async () => {
    window.dispatchEvent(new KeyboardEvent('keydown', { altKey: true, code: 'Digit1', key: '1' }))
    await settle()
    expect($('[data-screen="dashboard"]')).not.toBeNull()
  })
})
