// The Tauri commands of src-tauri/src/main.rs, typed. Field names follow the Rust structs'
// serde output (crates/app: MonthStatus, AppError).

import { invoke } from '@tauri-apps/api/core'

/** infoone_app::ErrorCode (serde snake_case). The UI acts on the code, never on the message. */
export type ErrorCode = 'bad_input' | 'not_found' | 'wrong_state' | 'refused' | 'internal'

/** infoone_app::AppError: what every command rejects with. */
export interface AppError {
  code: ErrorCode
  message: string
}

/** infoone_app::MonthStatus. */
export interface MonthStatus {
  group: string
  month: string
  /** Machine state code, e.g. "loaded". */
  state: string
  /** The state in Japanese, for the clerk. */
  state_label: string
  revision: number
  package_version: string
  proposed: number
  accepted: number
  rejected: number
  notes: number
}

const CODES: readonly ErrorCode[] = ['bad_input', 'not_found', 'wrong_state', 'refused', 'internal']

function isAppError(e: unknown): e is AppError {
  if (typeof e !== 'object' || e === null) return false
  const r = e as Record<string, unknown>
  return typeof r.message === 'string' && CODES.includes(r.code as ErrorCode)
}

/** Any rejection as an AppError: outside the Tauri window (plain browser) `invoke` fails too. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e
  const message = e instanceof Error ? e.message : String(e)
  return { code: 'internal', message: `アプリとの通信に失敗しました: ${message}` }
}

/** Japanese heading for each error code. */
export const ERROR_TITLE: Record<ErrorCode, string> = {
  bad_input: '入力に誤りがあります',
  not_found: '見つかりません',
  wrong_state: 'この状態ではできません',
  refused: '処理できません',
  internal: 'システムエラー',
}

/** `month_status`: `month` is YYYY-MM; `db` overrides the per-user database. */
export async function monthStatus(month: string, db: string | null = null): Promise<MonthStatus> {
  try {
    return await invoke<MonthStatus>('month_status', { month, db })
  } catch (e) {
    throw toAppError(e)
  }
}
