//! The commands that talk to the insurer's API: `login`, `logout`, `report submit`, and the
//! printing of what the outbox did. The work is in `infoone-client`; this only prints.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use infoone_app::submit::Outgoing;
use infoone_app::{AppError, ErrorCode};
use infoone_client::{Delivery, Keyring, Outcome, Token, GROUP_ENV, TOKEN_ENV};

use crate::{json, month_ref, open};

fn db_path(db: &Option<PathBuf>) -> PathBuf {
    db.clone().unwrap_or_else(infoone_app::default_db_path)
}

/// Print what happened to each report that was sent or tried.
pub fn deliveries(list: &[Delivery]) {
    for d in list {
        let e = &d.entry;
        match &d.outcome {
            Outcome::Sent { receipt, replayed } => {
                println!(
                    "結果報告を送信しました: {} {} 受付番号 {}（受付日時 {}）{}",
                    e.group,
                    e.month,
                    receipt.receipt_no,
                    receipt.received_at,
                    if *replayed {
                        " ※前回の送信はすでに受け付けられていました"
                    } else {
                        ""
                    }
                );
            }
            Outcome::AlreadyReported { receipt, .. } => {
                println!(
                    "{} {} の結果報告は保険会社がすでに受け付けていました: 受付番号 {}（受付日時 {}）を記録しました。\
                     保険会社が持つのは先に届いた報告です（冪等キー {}）。今回の内容と違う場合は保険会社にご確認ください",
                    e.group, e.month, receipt.receipt_no, receipt.received_at, receipt.idempotency_key
                );
            }
            Outcome::Refused { error } => {
                eprintln!(
                    "保険会社が {} {} の結果報告を受け付けませんでした:\n{}",
                    e.group, e.month, error.message
                );
            }
            Outcome::Queued { error } => {
                eprintln!(
                    "{} {} の結果報告は送信待ちです（{}回試行）: {}",
                    e.group, e.month, e.attempts, error.message
                );
            }
        }
    }
}

/// `report submit --month M`.
pub fn submit(
    db: &Option<PathBuf>,
    group: &Option<String>,
    month: &str,
    out: Option<PathBuf>,
    as_json: bool,
) -> Result<(), AppError> {
    let at = month_ref(group, month)?;
    let mut store = open(db)?;
    let file = match out {
        Some(f) => f,
        None => {
            let status = infoone_app::status(&mut store, &at)?;
            let dir = db_path(db)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
                .join("reports");
            dir.join(format!(
                "{}_{}_r{}_result-report.json",
                status.group, status.month, status.revision
            ))
        }
    };
    let online = infoone_client::Online::standard();
    let s = infoone_client::submit_month(&mut store, &at, &file, &online)?;
    if as_json {
        json(&s)?;
    } else {
        if let Some(f) = &s.queued.report_file {
            println!("結果報告を書き出し、送信待ちに入れました: {f}");
        }
        deliveries(&s.deliveries);
    }
    match s.this_month().map(|d| &d.outcome) {
        Some(Outcome::Sent { .. } | Outcome::AlreadyReported { .. }) => Ok(()),
        Some(Outcome::Refused { error }) => Err(AppError::new(
            ErrorCode::Refused,
            format!("結果報告は受け付けられませんでした（{}）", error.server_code.as_deref().unwrap_or(error.kind.code())),
        )),
        Some(Outcome::Queued { error }) => Err(AppError::new(
            ErrorCode::Internal,
            format!(
                "結果報告は送信待ちです: {}。サーバーにつながるようになったら「infoone report submit --month {month}」を\
                 もう一度実行してください（「month load --from-server」など、次にサーバーへ接続するときにも送ります）",
                error.message
            ),
        )),
        None => Err(AppError::new(
            ErrorCode::Internal,
            "結果報告は送信待ちです（送信できる状態ではありません）",
        )),
    }
}

/// Print the outbox.
pub fn outbox(list: &[Outgoing]) {
    if list.is_empty() {
        println!("送信待ち・送信済みの結果報告はありません");
    }
    for e in list {
        println!(
            "{} {} {} 第{}版 {} 試行{}回{}{}",
            e.id,
            e.group,
            e.month,
            e.revision,
            e.status_label,
            e.attempts,
            e.receipt_no
                .as_deref()
                .map(|r| format!(" 受付番号 {r}"))
                .unwrap_or_default(),
            e.last_error.as_deref().map(|m| format!(" — {m}")).unwrap_or_default()
        );
    }
}

/// The token for `group`: `INFOONE_TOKEN` (with `INFOONE_GROUP` naming this group), else
/// standard input — typed without echo on a terminal (`rpassword`), piped otherwise. Never an
/// argument: argv is visible to every user of the machine and lands in shell history.
fn read_token(group: &str) -> Result<Token, AppError> {
    let env = std::env::var(TOKEN_ENV).ok();
    let env_group = std::env::var(GROUP_ENV).ok();
    if env.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        return match infoone_client::env_token(env.as_deref(), env_group.as_deref(), group)? {
            Some(t) => Ok(t),
            None => Err(AppError::bad_input(format!(
                "環境変数 {TOKEN_ENV} は団体 {} のトークンです（{GROUP_ENV}）。団体 {group} には使えません",
                env_group.as_deref().unwrap_or_default()
            ))),
        };
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let line = rpassword::prompt_password(format!(
            "APIトークンを入力してEnterを押してください（画面には表示されません。環境変数 {TOKEN_ENV} でも渡せます）: "
        ))
        .map_err(|e| AppError::bad_input(format!("端末から読めません: {e}")))?;
        return Ok(Token::new(&line)?);
    }
    let mut text = String::new();
    stdin
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| AppError::bad_input(format!("標準入力を読めません: {e}")))?;
    Ok(Token::new(&text)?)
}

/// `login --server URL --group G [--ca FILE]`.
pub fn login(db: &Option<PathBuf>, group: &Option<String>, server: &str, ca: Option<&Path>) -> Result<(), AppError> {
    let group = group
        .as_deref()
        .ok_or_else(|| AppError::bad_input("団体コードを --group で指定してください"))?;
    let token = read_token(group)?;
    let cfg = infoone_client::login(&mut open(db)?, &Keyring, server, group, ca, &token)?;
    println!(
        "{} の保険会社サーバー {} を登録し、APIトークンをOSの資格情報ストアに保存しました{}",
        cfg.group,
        cfg.url,
        cfg.ca_file
            .as_deref()
            .map(|c| format!("（CA証明書 {c}）"))
            .unwrap_or_default()
    );
    Ok(())
}

/// `logout`.
pub fn logout(db: &Option<PathBuf>, group: &Option<String>) -> Result<(), AppError> {
    let (cfg, deleted) = infoone_client::logout(&mut open(db)?, &Keyring, group.as_deref())?;
    if deleted {
        println!("{} のAPIトークン（{}）を削除しました", cfg.group, cfg.url);
    } else {
        println!("{} のAPIトークン（{}）は保存されていません", cfg.group, cfg.url);
    }
    Ok(())
}
