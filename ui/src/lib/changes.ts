// Change kinds as the review screen tells them apart: new, changed, ended (and notes).

import type { ChangeItem } from '../bindings'

export type Category = 'new' | 'changed' | 'ended' | 'note'

const CATEGORY: Record<string, Category> = {
  join: 'new',
  hire: 'new',
  transfer: 'changed',
  plan_change: 'changed',
  update: 'changed',
  status: 'changed',
  leave: 'changed',
  bank_transfer: 'changed',
  bank_transfer_switch: 'changed',
  withdrawal: 'ended',
  retirement: 'ended',
}

/** The category of a change; notes (確認事項) are their own, whatever their kind. */
export function categoryOf(c: Pick<ChangeItem, 'kind' | 'status'>): Category {
  if (c.status === 'note') return 'note'
  return CATEGORY[c.kind] ?? 'changed'
}

const ORDER: Category[] = ['new', 'changed', 'ended', 'note']
const KIND_ORDER = ['hire', 'join', 'transfer', 'plan_change', 'update', 'status', 'leave', 'bank_transfer', 'bank_transfer_switch', 'retirement', 'withdrawal']

export interface Group {
  kind: string
  category: Category
  items: ChangeItem[]
}

/** Changes grouped by kind: new first, then changed, ended, notes; newest first within. */
export function groupChanges(list: ChangeItem[]): Group[] {
  const groups = new Map<string, Group>()
  for (const c of list) {
    const category = categoryOf(c)
    const key = `${category}:${c.kind}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { kind: c.kind, category, items: [] }))
    g.items.push(c)
  }
  const rank = (k: string) => {
    const i = KIND_ORDER.indexOf(k)
    return i < 0 ? KIND_ORDER.length : i
  }
  return [...groups.values()]
    .map((g) => ({ ...g, items: [...g.items].sort((a, b) => b.id - a.id) }))
    .sort((a, b) => ORDER.indexOf(a.category) - ORDER.indexOf(b.category) || rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind))
}

/** Whether the clerk can tick this change (only proposed ones are decided here). */
export function selectable(c: Pick<ChangeItem, 'status'>): boolean {
  return c.status === 'proposed'
}

/** Count per status. */
export function countByStatus(list: Pick<ChangeItem, 'status'>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const c of list) out[c.status] = (out[c.status] ?? 0) + 1
  return out
}

/** Sorted, de-duplicated ids. */
export function sortedIds(ids: Iterable<number>): number[] {
  return [...new Set(ids)].sort((a, b) => a - b)
}
