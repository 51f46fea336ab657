// @vitest-environment jsdom
// The load screen: after a package is loaded, what changed since the group's last one.

import { mount, unmount } from 'svelte'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { $, ok, settle } from '../test-dom'
import type { Delta, LoadSummary } from '../bindings'
import * as data from '../fixtures.test-data'

const commands = vi.hoisted(() => ({}) as Record<string, ReturnType<typeof vi.fn>>)
vi.mock('../bindings', () => ({ commands }))
vi.mock('@tauri-apps/api/core', () => ({ Channel: class {} }))

const none: Delta = { added: 0, removed: 0, changed: 0, added_keys: [], removed_keys: [], changed_keys: [] }
const loaded: LoadSummary = {
  group: 'G0001', month: '2027-01', version: 'sha256:abc', offices: 12, members: 2010, enrollments: 4100, applications: 0, replaced: false,
  diff: {
    since_month: '2026-12',
    since_version: 'sha256:old',
    offices: none,
    products: { ...none, changed: 1, changed_keys: ['P01'] },
    members: { added: 10, removed: 16, changed: 10, added_keys: ['002101'], removed_keys: ['000147'], changed_keys: ['000003'] },
    enrollments: none,
  },
}
Object.assign(commands, {
  loadPackage: vi.fn(() => ok(loaded)),
  overview: vi.fn(() => ok(data.overview)),
})

let screen: ReturnType<typeof mount>


beforeAll(async () => {
  const { default: Load } = await import('./Load.svelte')
  screen = mount(Load, { target: document.body })
  await settle()
})

afterAll(() => unmount(screen))

test('after a load: counts per kind and the first keys, since the last package', async () => {
  $('#load-file')!.click()
  await settle()
  expect(commands.loadPackage).toHaveBeenCalledWith('dialog')
  expect($('#load-summary')!.textContent).toContain('2026年12月')
  const members = $('[data-diff="load.members"]')!
  expect(members.querySelector('[data-field="added"]')!.textContent).toBe('10')
  expect(members.querySelector('[data-field="removed"]')!.textContent).toBe('16')
  expect(members.textContent).toContain('000147')
  expect($('[data-diff="load.products"] [data-field="changed"]')!.textContent).toBe('1')
})

test('the first load of a group says there is nothing to compare with', async () => {
  commands.loadPackage.mockImplementationOnce(() => ok({ ...loaded, diff: null }))
  $('#load-file')!.click()
  await settle()
  expect($('#load-diff-none')).not.toBeNull()
  expect($('#load-diff')).toBeNull()
})
