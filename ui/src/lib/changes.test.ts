import { expect, test } from 'vitest'
import type { ChangeItem } from '../bindings'
import { categoryOf, countByStatus, groupChanges, selectable, sortedIds } from './changes'

const c = (id: number, kind: string, status = 'proposed'): ChangeItem => ({
  id,
  kind,
  status,
  source: 'hr.xlsx',
  employee_no: '000001',
  summary: `${kind} ${id}`,
})

test('new, changed and ended are told apart', () => {
  expect(['join', 'hire'].map((k) => categoryOf(c(1, k)))).toEqual(['new', 'new'])
  expect(['transfer', 'plan_change', 'update', 'status', 'bank_transfer_switch'].map((k) => categoryOf(c(1, k)))).toEqual(
    Array(5).fill('changed'),
  )
  expect(['withdrawal', 'retirement'].map((k) => categoryOf(c(1, k)))).toEqual(['ended', 'ended'])
  expect(categoryOf(c(1, 'update', 'note'))).toBe('note')
  expect(categoryOf(c(1, 'something_new'))).toBe('changed')
})

test('groups: new first, then changed, ended, notes; newest first within', () => {
  const groups = groupChanges([c(1, 'withdrawal'), c(2, 'hire'), c(3, 'transfer'), c(4, 'hire'), c(5, 'update', 'note'), c(6, 'join')])
  expect(groups.map((g) => `${g.category}:${g.kind}`)).toEqual(['new:hire', 'new:join', 'changed:transfer', 'ended:withdrawal', 'note:update'])
  expect(groups[0].items.map((i) => i.id)).toEqual([4, 2])
})

test('only proposed changes can be ticked', () => {
  expect(selectable(c(1, 'join'))).toBe(true)
  expect(['accepted', 'rejected', 'note'].map((s) => selectable(c(1, 'join', s)))).toEqual([false, false, false])
})

test('counts and ids', () => {
  expect(countByStatus([c(1, 'join'), c(2, 'join', 'accepted'), c(3, 'join')])).toEqual({ proposed: 2, accepted: 1 })
  expect(sortedIds([5, 1, 5, 3])).toEqual([1, 3, 5])
})
