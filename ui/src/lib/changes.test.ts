import { expect, test } from 'vitest'
import { selectable, sortedIds } from './changes'

test('only proposed changes can be ticked', () => {
  expect(selectable({ status: 'proposed' })).toBe(true)
  expect(['accepted', 'rejected', 'note'].map((status) => selectable({ status }))).toEqual([false, false, false])
})

test('ids sorted once each', () => {
  expect(sortedIds([5, 1, 5, 3])).toEqual([1, 3, 5])
})
