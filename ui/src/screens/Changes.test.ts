// @vitest-environment jsdom
// The review list pages through the session: each group's first rows, the next rows of a group
// on asking, a whole group ticked from its ids (thousands) without its rows.

import { mount, unmount } from 'svelte'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { $, $$, ok, settle } from '../test-dom'
import type { ChangeItem } from '../bindings'
import * as data from '../fixtures.test-data'

const commands = vi.hoisted(() => ({}) as Record<string, ReturnType<typeof vi.fn>>)
vi.mock('../bindings', () => ({ commands }))
vi.mock('@tauri-apps/api/core', () => ({ Channel: class {} }))

const TOTAL = 5000
const hire = (i: number): ChangeItem => ({ id: TOTAL - i, kind: 'hire', status: 'proposed', source: 'hr.xlsx', employee_no: null, summary: `入社 ${i}` })
const open = Array.from({ length: TOTAL }, (_, i) => TOTAL - i)

Object.assign(commands, {
  changes: vi.fn((q: { group: string | null; offset: number; limit: number }) =>
    ok({
      groups: [
        {
          key: 'new:hire', kind: 'hire', category: 'new', total: TOTAL, open, offset: q.offset,
          items: Array.from({ length: Math.min(q.limit, TOTAL - q.offset) }, (_, i) => hire(q.offset + i)),
        },
      ],
      counts: { proposed: TOTAL },
      proposed: TOTAL,
    }),
  ),
  preview: vi.fn(() => ok({ offices: [], before_total: 0, after_total: 0, refused: [] })),
})

let screen: ReturnType<typeof mount>


beforeAll(async () => {
  const { app } = await import('../lib/app.svelte')
  app.overview = data.overview
  const { default: Changes } = await import('./Changes.svelte')
  screen = mount(Changes, { target: document.body })
  await settle()
})

afterAll(() => unmount(screen))

test('each group shows its first rows and counts them all', () => {
  expect(commands.changes).toHaveBeenLastCalledWith({ group: null, offset: 0, limit: 50 })
  expect($$('[data-change-id]')).toHaveLength(50)
  expect($('#accept-all')!.textContent).toContain('5,000')
  expect($('table.changes caption')!.textContent).toContain('5,000')
})

test('the next rows of a group on asking', async () => {
  $('[data-more-changes="new:hire"]')!.click()
  await settle()
  expect(commands.changes).toHaveBeenLastCalledWith({ group: 'new:hire', offset: 50, limit: 300 })
  expect($$('[data-change-id]')).toHaveLength(350)
})

test("a group's box ticks every one of its proposals, shown or not", async () => {
  $('table.changes thead input[type=checkbox]')!.click()
  await settle()
  expect($('.sticky-actions')!.textContent).toContain('5,000')
})
