// The generated commands answer {status: "ok", data} | {status: "error", error}; here that
// becomes an outcome the screens act on by `code` (never by message text).

import type { AppError, ErrorCode } from '../bindings'

export type Answer<T> = { status: 'ok'; data: T } | { status: 'error'; error: AppError }
export type Outcome<T> = { ok: true; data: T } | { ok: false; error: AppError }

const CODES: readonly ErrorCode[] = ['bad_input', 'not_found', 'wrong_state', 'refused', 'internal']

export function isAppError(e: unknown): e is AppError {
  if (typeof e !== 'object' || e === null) return false
  const r = e as Record<string, unknown>
  return typeof r.message === 'string' && CODES.includes(r.code as ErrorCode)
}

/** Any rejection as an AppError (outside the Tauri window, `invoke` itself fails). */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e
  const message = e instanceof Error ? e.message : String(e)
  return { code: 'internal', message: `アプリとの通信に失敗しました: ${message}` }
}

/** Await a command: its data, or the error as an AppError. */
export async function settle<T>(p: Promise<Answer<T>>): Promise<Outcome<T>> {
  try {
    const r = await p
    if (r.status === 'ok') return { ok: true, data: r.data }
    return { ok: false, error: toAppError(r.error) }
  } catch (e) {
    return { ok: false, error: toAppError(e) }
  }
}
