//! `infoone server-ledger move`: the insurer's ledger from SQLite into an empty PostgreSQL
//! (`infoone_ledger_pg::move_from_sqlite`), and what was moved, table by table.

use infoone_app::infoone_store::StoreError;
use infoone_app::{AppError, ErrorCode};

use crate::args::ServerLedgerCmd;

pub fn run(cmd: ServerLedgerCmd) -> Result<(), AppError> {
    match cmd {
        ServerLedgerCmd::Move { from, to, json } => {
            let to = to
                .or_else(|| std::env::var("INFOONE_DATABASE_URL").ok())
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    AppError::bad_input("移行先を --to postgres://… か環境変数 INFOONE_DATABASE_URL で指定してください")
                })?;
            if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
                return Err(AppError::bad_input(
                    "--to は postgres://ユーザー@ホスト:ポート/データベース の形で指定してください",
                ));
            }
            let started = std::time::Instant::now();
            let moved = infoone_ledger_pg::move_from_sqlite(&from, &to).map_err(|e| match e {
                StoreError::Invalid(m) => AppError::new(ErrorCode::Refused, m),
                other => AppError::new(ErrorCode::Internal, other.to_string()),
            })?;
            let secs = started.elapsed().as_secs_f64();
            if json {
                let v = serde_json::json!({
                    "from": from.display().to_string(),
                    "to": infoone_ledger_pg::redact(&to),
                    "seconds": (secs * 1000.0).round() / 1000.0,
                    "tables": moved.tables.iter().map(|t| serde_json::json!({
                        "table": t.table, "rows": t.rows, "sha256": t.sha256
                    })).collect::<Vec<_>>(),
                    "sequences": moved.sequences.iter().map(|(name, last)| serde_json::json!({
                        "sequence": name, "last_value": last
                    })).collect::<Vec<_>>(),
                    "empty_sqlite_only": moved.empty_sqlite_only,
                });
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                println!(
                    "台帳を移しました: {} → {}（{secs:.1} 秒、1つのトランザクション）",
                    from.display(),
                    infoone_ledger_pg::redact(&to)
                );
                for t in &moved.tables {
                    println!("  {:<24} {:>10} 行  一致 sha256:{}", t.table, t.rows, &t.sha256[..16]);
                }
                for (name, last) in &moved.sequences {
                    println!("  連番 {name} を {last} の次から");
                }
                if !moved.empty_sqlite_only.is_empty() {
                    println!("  （SQLite だけにある空の表: {}）", moved.empty_sqlite_only.join(", "));
                }
            }
            Ok(())
        }
    }
}
