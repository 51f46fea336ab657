// @vitest-environment jsdom
// The reconciliation screen pages through the session: the bucket counts at once, a bucket's
// rows a page at a time, never the whole month.

import { mount, unmount } from 'svelte'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { $, $$, ok, settle } from '../test-dom'
import * as data from '../fixtures.test-data'

const commands = vi.hoisted(() => ({}) as Record<string, ReturnType<typeof vi.fn>>)
vi.mock('../bindings', () => ({ commands }))
vi.mock('@tauri-apps/api/core', () => ({ Channel: class {} }))

Object.assign(commands, {
  reconciliation: vi.fn((q: { bucket: string | null; offset: number; limit: number }) => ok(data.reconPage(q))),
})

let screen: ReturnType<typeof mount>


beforeAll(async () => {
  const { app } = await import('../lib/app.svelte')
  const current = data.overview.current!
  app.overview = { ...data.overview, current: { ...current, status: { ...current.status, state: 'deducted' } } }
  const { default: Deductions } = await import('./Deductions.svelte')
  screen = mount(Deductions, { target: document.body })
  await settle()
})

afterAll(() => unmount(screen))

test('a page of every bucket first, differences first, with each bucket counted', () => {
  expect(commands.reconciliation).toHaveBeenLastCalledWith({ bucket: null, offset: 0, limit: 100 })
  expect($$('#recon tbody tr')).toHaveLength(100)
  expect($('#recon tbody tr')!.dataset.employeeNo).toBe('000147')
  expect($('[data-bucket="not_deducted"] .count')!.textContent).toBe('600')
  expect($('[data-bucket="matched"] .count')!.textContent).toBe('1,400')
})

test('a bucket is asked for on its own; more rows come a page at a time', async () => {
  $('button[data-bucket="matched"]')!.click()
  await settle()
  expect(commands.reconciliation).toHaveBeenLastCalledWith({ bucket: 'matched', offset: 0, limit: 100 })
  expect($$('#recon tbody tr').every((r) => r.dataset.bucket === 'matched')).toBe(true)
  $('#recon-more')!.click()
  await settle()
  expect(commands.reconciliation).toHaveBeenLastCalledWith({ bucket: 'matched', offset: 100, limit: 300 })
  expect($$('#recon tbody tr')).toHaveLength(400)
  expect($('#recon-more')!.textContent).toContain('1,000')
})
