// The review list's helpers. The session groups the changes (new, changed, ended, notes) and
// pages each group (`changes`); the window ticks and decides.

import type { ChangeItem } from '../bindings'

/** Whether the clerk can tick this change (only proposed ones are decided here). */
export function selectable(c: Pick<ChangeItem, 'status'>): boolean {
  return c.status === 'proposed'
}

/** Sorted, de-duplicated ids. */
export function sortedIds(ids: Iterable<number>): number[] {
  return [...new Set(ids)].sort((a, b) => a - b)
}
