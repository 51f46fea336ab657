//! `infoone`: the clerk's month-end without a window (CLI.md). A thin layer: parse arguments,
//! call one use case of `infoone-app`, print the result.

mod args;
mod online;
mod print;
mod server_ledger;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Local, NaiveDateTime};
use clap::Parser;
use infoone_app::infoone_store::Store;
use infoone_app::{AppError, ErrorCode, ManualChange, MonthRef, Selection};
use infoone_domain::change::Change;
use infoone_domain::deduction::Mode;
use infoone_domain::month::YearMonth;

use args::{AddCmd, Cli, Cmd, DeductionsCmd, ModeArg, MonthCmd, MonthEndArgs, ReportCmd};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("エラー: {}", e.message);
            ExitCode::from(match e.code {
                ErrorCode::Internal => 1,
                ErrorCode::BadInput => 2,
                ErrorCode::NotFound => 3,
                ErrorCode::WrongState => 4,
                ErrorCode::Refused => 5,
            })
        }
    }
}

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

/// The clerk's database, encrypted, its key from the OS keyring (`infoone_client::dbkey`).
fn open(db: &Option<PathBuf>) -> Result<Store, AppError> {
    open_local(&db.clone().unwrap_or_else(infoone_app::default_db_path))
}

fn open_local(path: &std::path::Path) -> Result<Store, AppError> {
    let (store, source, opened) = infoone_client::dbkey::open_local(path)?;
    if let Some(w) = infoone_client::dbkey::warning(&source) {
        eprintln!("{w}");
    }
    if opened == infoone_app::infoone_store::Opened::Encrypted {
        eprintln!(
            "{} を暗号化しました（鍵: {}）",
            path.display(),
            infoone_client::dbkey::describe(&source)
        );
    }
    Ok(store)
}

fn month_ref(group: &Option<String>, month: &str) -> Result<MonthRef, AppError> {
    let month: YearMonth = month
        .parse()
        .map_err(|e: infoone_domain::month::BadMonth| AppError::bad_input(e.to_string()))?;
    Ok(MonthRef {
        group: group.clone(),
        month,
    })
}

fn selection(ids: &[i64], all: bool) -> Result<Selection, AppError> {
    match (all, ids.is_empty()) {
        (true, true) => Ok(Selection::All),
        (false, false) => Ok(Selection::Ids(ids.to_vec())),
        (true, false) => Err(AppError::bad_input("変更IDと --all は同時に指定できません")),
        (false, true) => Err(AppError::bad_input("承認・却下する変更IDか --all を指定してください")),
    }
}

fn mode(m: ModeArg) -> Mode {
    match m {
        ModeArg::Full => Mode::Full,
        ModeArg::Exceptions => Mode::Exceptions,
    }
}

/// The manual change of `changes add` (checked and built by `infoone_app::manual`).
fn change_of(cmd: &AddCmd) -> Result<Change, AppError> {
    let s = String::clone;
    let m = match cmd {
        AddCmd::Join {
            employee,
            insured,
            product,
            plan,
            units,
            applied_on,
            ..
        } => ManualChange::Join {
            employee_no: s(employee),
            insured: s(insured),
            product: s(product),
            plan: s(plan),
            units: *units,
            applied_on: s(applied_on),
        },
        AddCmd::Withdrawal {
            enrollment,
            date,
            option,
            ..
        } => ManualChange::Withdrawal {
            enrollment: s(enrollment),
            date: s(date),
            option: s(option),
        },
        AddCmd::Retirement {
            employee, date, option, ..
        } => ManualChange::Retirement {
            employee_no: s(employee),
            date: s(date),
            option: s(option),
        },
        AddCmd::Transfer {
            employee, office, date, ..
        } => ManualChange::Transfer {
            employee_no: s(employee),
            office: s(office),
            date: s(date),
        },
        AddCmd::PlanChange {
            enrollment,
            plan,
            units,
            date,
            ..
        } => ManualChange::PlanChange {
            enrollment: s(enrollment),
            plan: s(plan),
            units: *units,
            date: s(date),
        },
        AddCmd::Update {
            employee,
            name,
            name_kana,
            email,
            postal_code,
            address,
            ..
        } => ManualChange::Update {
            employee_no: s(employee),
            name: name.clone(),
            name_kana: name_kana.clone(),
            email: email.clone(),
            postal_code: postal_code.clone(),
            address: address.clone(),
        },
        AddCmd::Leave { employee, back, .. } => ManualChange::Leave {
            employee_no: s(employee),
            back: *back,
        },
        AddCmd::BankTransfer {
            employee,
            bank,
            branch,
            account_type,
            account_no,
            holder_kana,
            ..
        } => ManualChange::BankTransfer {
            employee_no: s(employee),
            bank: s(bank),
            branch: s(branch),
            account_type: s(account_type),
            account_no: s(account_no),
            holder_kana: s(holder_kana),
        },
    };
    m.to_change()
}

fn json<T: serde::Serialize>(value: &T) -> Result<(), AppError> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        // The reader went away (`| head`): nothing more to say, and nothing failed here.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| AppError::new(ErrorCode::Internal, format!("標準出力に書けません: {e}"))),
    }
}

fn run(cli: Cli) -> Result<(), AppError> {
    let db = &cli.db;
    let group = &cli.group;
    match cli.cmd {
        Cmd::Sample {
            members,
            offices,
            seed,
            month,
            out,
        } => {
            let spec = infoone_sample::SampleSpec::new(members, offices, seed)
                .with_month_text(&month)
                .and_then(|spec| spec.check().map(|()| spec))
                .map_err(AppError::bad_input)?;
            let sample = infoone_sample::generate(&spec);
            infoone_sample::write_all(&sample, &out)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", out.display())))?;
            println!(
                "サンプルを書き出しました: {}（{}人、{}事業所、{}）bill-package.json, hr.xlsx, hr.csv, deductions.csv",
                out.display(),
                members,
                offices,
                month
            );
        }
        Cmd::Month(MonthCmd::Load {
            package,
            from_server,
            month,
        }) => {
            let s = match (package, from_server, month) {
                (Some(package), false, _) => infoone_app::load_package(&mut open(db)?, &package, now())?,
                (None, true, Some(month)) => {
                    let month = month_ref(group, &month)?.month;
                    let online = infoone_client::Online::standard();
                    let r = infoone_client::load_from_server(&mut open(db)?, group.as_deref(), month, &online)?;
                    online::deliveries(&r.deliveries);
                    println!("{} から取得しました", r.url);
                    r.load
                }
                _ => {
                    return Err(AppError::bad_input(
                        "請求パッケージのファイルか、--from-server --month YYYY-MM を指定してください",
                    ))
                }
            };
            println!(
                "読み込みました: {} {} 版{}（事業所{}、加入者{}、加入{}、Web申込{}）",
                s.group, s.month, s.version, s.offices, s.members, s.enrollments, s.applications
            );
            if let Some(d) = &s.diff {
                print::package_diff(d);
            }
        }
        Cmd::Report(ReportCmd::Submit {
            month,
            out,
            json: as_json,
        }) => online::submit(db, group, &month, out, as_json)?,
        Cmd::Report(ReportCmd::Outbox { json: as_json }) => {
            let list = infoone_app::submit::outbox(&mut open(db)?)?;
            if as_json {
                json(&list)?;
            } else {
                online::outbox(&list);
            }
        }
        Cmd::Login { server, ca } => online::login(db, group, &server, ca.as_deref())?,
        Cmd::Logout => online::logout(db, group)?,
        Cmd::Month(MonthCmd::Status { month, json: as_json }) => {
            let s = infoone_app::status(&mut open(db)?, &month_ref(group, &month)?)?;
            if as_json {
                json(&s)?;
            } else {
                println!(
                    "{} {}: {}（{}）第{}版 未決定{} 承認{} 却下{} 確認事項{}",
                    s.group, s.month, s.state_label, s.state, s.revision, s.proposed, s.accepted, s.rejected, s.notes
                );
            }
        }
        Cmd::Month(MonthCmd::Confirm { month }) => {
            let doc = infoone_app::confirm(&mut open(db)?, &month_ref(group, &month)?, now())?;
            println!(
                "{} {}を確定しました（第{}版）。請求額合計 {}円",
                doc.group,
                doc.month,
                doc.revision,
                print::yen(doc.totals.invoice_amount)
            );
        }
        Cmd::Month(MonthCmd::Reopen { month, reason }) => {
            infoone_app::reopen(&mut open(db)?, &month_ref(group, &month)?, &reason, now())?;
            println!("{month}の確定を解除しました（理由: {reason}）。再確定すると次の版になります");
        }
        Cmd::Hr(args::HrCmd::Import {
            file,
            month,
            json: as_json,
        }) => {
            let s = infoone_app::import_hr(&mut open(db)?, &month_ref(group, &month)?, &file, now())?;
            if as_json {
                json(&s)?;
            } else {
                print::hr_import(&s);
            }
        }
        Cmd::Changes(args::ChangesCmd::List { month, json: as_json }) => {
            let list = infoone_app::list_changes(&mut open(db)?, &month_ref(group, &month)?)?;
            if as_json {
                json(&list)?;
            } else {
                print::changes(&list);
            }
        }
        Cmd::Changes(args::ChangesCmd::Accept { ids, all, month }) => {
            let s = infoone_app::accept(
                &mut open(db)?,
                &month_ref(group, &month)?,
                &selection(&ids, all)?,
                now(),
            )?;
            println!("{}件を承認しました", s.accepted);
        }
        Cmd::Changes(args::ChangesCmd::Reject { ids, all, month }) => {
            let s = infoone_app::reject(
                &mut open(db)?,
                &month_ref(group, &month)?,
                &selection(&ids, all)?,
                now(),
            )?;
            println!("{}件を却下しました", s.rejected);
        }
        Cmd::Changes(args::ChangesCmd::Add(add)) => {
            let common = add.common();
            let change = change_of(&add)?;
            let v = infoone_app::add_change(
                &mut open(db)?,
                &month_ref(group, &common.month)?,
                change,
                common.propose_only,
                now(),
            )?;
            if common.json {
                json(&v)?;
            } else {
                println!(
                    "変更ID {} を{}しました: {}",
                    v.id,
                    if common.propose_only {
                        "登録"
                    } else {
                        "登録・承認"
                    },
                    v.summary
                );
            }
        }
        Cmd::Bill(args::BillCmd::Show { month, json: as_json }) => {
            let doc = infoone_app::bill(&mut open(db)?, &month_ref(group, &month)?)?;
            if as_json {
                json(&doc)?;
            } else {
                print::bill(&doc);
            }
        }
        Cmd::Deductions(DeductionsCmd::Import { file, month, mode: m }) => {
            let s = infoone_app::import_deductions(&mut open(db)?, &month_ref(group, &month)?, &file, mode(m), now())?;
            println!(
                "控除結果を取り込みました: {}人（うち全額控除できなかった人 {}人）控除不能 {}円 払込額 {}円",
                s.members,
                s.not_in_full,
                print::yen(s.undeducted),
                print::yen(s.payable)
            );
            for f in &s.findings {
                println!("  {} {}: {}", f.code, f.severity, f.message);
            }
        }
        Cmd::Report(ReportCmd::Write { month, out }) => {
            let s = infoone_app::write_report(&mut open(db)?, &month_ref(group, &month)?, &out, now())?;
            println!(
                "結果報告を書き出しました: {}（変更{}件、控除結果{}件）",
                s.file, s.changes, s.deductions
            );
        }
        Cmd::Export(cmd) => {
            let mut store = open(db)?;
            let s = match &cmd {
                args::ExportCmd::Invoices { month, out } => {
                    infoone_app::export::invoices(&mut store, &month_ref(group, month)?, out, now())?
                }
                args::ExportCmd::Media { month, out, utf8, xlsx } => infoone_app::export::media(
                    &mut store,
                    &month_ref(group, month)?,
                    out,
                    &infoone_app::export::MediaOptions {
                        utf8: *utf8,
                        xlsx: *xlsx,
                    },
                    now(),
                )?,
                args::ExportCmd::Zengin { month, out } => {
                    infoone_app::export::zengin(&mut store, &month_ref(group, month)?, out, now())?
                }
                args::ExportCmd::Extract { month, out, xlsx } => {
                    infoone_app::export::extract(&mut store, &month_ref(group, month)?, out, *xlsx, now())?
                }
                args::ExportCmd::Roster { month, out } => {
                    infoone_app::export::export_roster(&mut store, &month_ref(group, month)?, out, now())?
                }
                args::ExportCmd::Reminders { month, out } => {
                    infoone_app::unpaid::reminders(&mut store, &month_ref(group, month)?, out, now())?
                }
            };
            print::export(&s);
        }
        Cmd::Roster(args::RosterCmd::Import { file, month }) => {
            let s = infoone_app::export::import_roster(&mut open(db)?, &month_ref(group, &month)?, &file, now())?;
            print::export(&s);
        }
        Cmd::Zengin(args::ZenginCmd::Result { file, month }) => {
            let s =
                infoone_app::export::import_zengin_result(&mut open(db)?, &month_ref(group, &month)?, &file, now())?;
            print::export(&s);
        }
        Cmd::Unpaid(args::UnpaidCmd::List { all, json: as_json }) => {
            let list = infoone_app::unpaid::unpaid_list(&mut open(db)?, group.as_deref(), all, now().date())?;
            if as_json {
                json(&list)?;
            } else {
                print::unpaid(&list);
            }
        }
        Cmd::Unpaid(args::UnpaidCmd::Paid { id, date, note }) => {
            let on = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
                AppError::bad_input(format!(
                    "--date: 値「{date}」— 入金日は YYYY-MM-DD（例: 2027-01-15）で指定してください"
                ))
            })?;
            let u = infoone_app::unpaid::mark_paid(&mut open(db)?, id, on, note.as_deref(), now())?;
            println!(
                "番号{} {} {} {}分 {}円を入金済み（{}）にしました",
                u.id,
                u.code,
                u.name,
                u.month,
                print::yen(u.amount),
                u.paid_at.as_deref().unwrap_or("")
            );
        }
        Cmd::MonthEnd(a) => month_end(db, &a)?,
        Cmd::Server {
            database,
            listen,
            tls_cert,
            tls_key,
            dev_tls,
            max_body_mib,
            token_rate,
            body_timeout_secs,
            auth_backoff_secs,
            db_pool_size,
        } => {
            let db = server_database(db, database)?;
            let tls = match (tls_cert, tls_key, dev_tls) {
                (Some(cert), Some(key), _) => infoone_server::TlsSource::Files { cert, key },
                (_, _, Some(dir)) => infoone_server::TlsSource::Dev { dir },
                _ => {
                    return Err(AppError::bad_input(
                        "--tls-cert と --tls-key、または --dev-tls DIR を指定してください",
                    ))
                }
            };
            let mut config = infoone_server::Config::new(db, listen, tls);
            config.limits.max_body_bytes = max_body_mib.saturating_mul(1024 * 1024);
            config.limits.token_requests_per_minute = token_rate;
            config.limits.body_timeout = std::time::Duration::from_secs(body_timeout_secs.max(1));
            config.limits.auth_backoff = std::time::Duration::from_secs(auth_backoff_secs);
            config.limits.db_pool_size = db_pool_size as usize;
            infoone_server::run(config).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        }
        Cmd::ServerToken(cmd) => server_token(db, cmd)?,
        Cmd::ServerLedger(cmd) => server_ledger::run(cmd)?,
        Cmd::Db(cmd) => {
            let path = db.clone().unwrap_or_else(infoone_app::default_db_path);
            match cmd {
                args::DbCmd::Backups { json: as_json } => {
                    let list = infoone_app::backup::list_backups(&path)?;
                    if as_json {
                        json(&list)?;
                    } else {
                        print::backups(&path, &list);
                    }
                }
                args::DbCmd::Restore { name } => {
                    let (key, _) = infoone_client::dbkey::local_key(&path)?;
                    let s = infoone_app::backup::restore_backup(&path, &name, Some(&key), now())?;
                    print::restored(&s);
                }
            }
        }
        Cmd::Audit { limit, json: as_json } => {
            let rows = open(db)?.read(|tx| tx.audit_log(Some(limit))).map_err(AppError::from)?;
            if as_json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({"id": r.id, "at": r.at, "group": r.group_code, "month": r.month, "action": r.action,
                        "entity": r.entity, "key": r.key, "before": r.before, "after": r.after, "source": r.source, "detail": r.detail})
                    })
                    .collect();
                json(&v)?;
            } else {
                for r in rows {
                    println!(
                        "{} {} {} {} {}",
                        r.at,
                        r.month.unwrap_or_default(),
                        r.action,
                        r.key.unwrap_or_default(),
                        r.detail.or(r.after).unwrap_or_default()
                    );
                }
            }
        }
    }
    Ok(())
}

/// The whole month in one go (CLI.md `month-end`); with `--demo-server`, against a local insurer
/// over HTTPS (the package fetched from it, the report submitted to it).
fn month_end(db: &Option<PathBuf>, a: &MonthEndArgs) -> Result<(), AppError> {
    let (out, as_json) = (a.out.as_path(), a.json);
    std::fs::create_dir_all(out).map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", out.display())))?;
    // Without --db the run uses a scratch database in OUT (replaced on each run), so a demo can be
    // repeated; with --db it works in that database like the single commands.
    let db_path = match db {
        Some(p) => p.clone(),
        None => {
            let p = out.join("infoone.db");
            for suffix in ["", "-wal", "-shm"] {
                let f = PathBuf::from(format!("{}{suffix}", p.display()));
                if f.exists() {
                    std::fs::remove_file(&f)
                        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", f.display())))?;
                }
            }
            p
        }
    };
    let mut store = open_local(&db_path)?;
    let started = std::time::Instant::now();
    let progress = |step: &str| {
        if !as_json {
            eprintln!("… {step}（{:.1}秒経過）", started.elapsed().as_secs_f64());
        }
    };
    let insurer = if a.demo_server {
        progress("デモ用の保険会社サーバーを起動し、請求パッケージを登録しています");
        let insurer = infoone_desk::demo::DemoInsurer::start(&out.join("insurer"), &a.package)?;
        if !as_json {
            eprintln!(
                "  保険会社APIサーバー: {}/v1/（開発用CA {}）",
                insurer.url,
                insurer.ca.display()
            );
        }
        insurer.login(&mut store)?;
        Some(insurer)
    } else {
        None
    };
    let loaded = match &insurer {
        Some(insurer) => {
            progress("保険会社サーバーから請求パッケージを取得しています（HTTPS）");
            let month = insurer
                .month
                .parse()
                .map_err(|e: infoone_domain::month::BadMonth| AppError::bad_input(e.to_string()))?;
            infoone_client::load_from_server(&mut store, Some(&insurer.group), month, &insurer.online())?.load
        }
        None => {
            progress("請求パッケージを読み込んでいます");
            infoone_app::load_package(&mut store, &a.package, now())?
        }
    };
    let at = MonthRef {
        group: Some(loaded.group.clone()),
        month: loaded.month.parse().map_err(|_| AppError::bad_input("month"))?,
    };
    progress("人事データを取り込んでいます");
    let hr_summary = infoone_app::import_hr(&mut store, &at, &a.hr, now())?;
    progress("変更をすべて承認しています");
    let accepted = infoone_app::accept(&mut store, &at, &Selection::All, now())?;
    progress("請求を確定しています");
    let confirmed = infoone_app::confirm(&mut store, &at, now())?;
    let bill_path = out.join("bill.json");
    infoone_formats::atomic::write(
        &bill_path,
        serde_json::to_string_pretty(&confirmed).unwrap_or_default().as_bytes(),
    )
    .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", bill_path.display())))?;
    progress("控除結果を取り込んでいます");
    let ded = infoone_app::import_deductions(&mut store, &at, &a.deductions, mode(a.mode), now())?;
    progress("請求書・電子媒体・口座振替・加入者データ・名簿を書き出しています");
    let exports = [
        infoone_app::export::invoices(&mut store, &at, out, now())?,
        infoone_app::export::media(
            &mut store,
            &at,
            out,
            &infoone_app::export::MediaOptions {
                utf8: false,
                xlsx: true,
            },
            now(),
        )?,
        infoone_app::export::zengin(&mut store, &at, out, now())?,
        infoone_app::export::extract(&mut store, &at, out, true, now())?,
        infoone_app::export::export_roster(&mut store, &at, out, now())?,
    ];
    progress("結果報告を書き出しています");
    let report = infoone_app::write_report(&mut store, &at, &out.join("report.json"), now())?;
    let submitted = match insurer {
        Some(insurer) => {
            progress("結果報告を保険会社サーバーへ送信しています（HTTPS）");
            let s = infoone_client::submit_month(&mut store, &at, &out.join("report.json"), &insurer.online());
            insurer.stop();
            Some(s?)
        }
        None => None,
    };
    if let Some(s) = &submitted {
        if !matches!(
            s.this_month().map(|d| &d.outcome),
            Some(infoone_client::Outcome::Sent { .. })
        ) {
            online::deliveries(&s.deliveries);
            return Err(AppError::new(
                ErrorCode::Internal,
                "デモ用の保険会社サーバーへの結果報告の送信に失敗しました（上の表示を確認してください）",
            ));
        }
    }
    let doc = infoone_app::bill(&mut store, &at)?;
    progress("完了");
    if as_json {
        return json(&doc);
    }
    println!(
        "{} {}: 人事データ{}行 → 変更{}件を承認（確認事項{}件）、第{}版で確定、控除結果{}人（全額控除できなかった人{}人）",
        loaded.group, loaded.month, hr_summary.rows, accepted.accepted, hr_summary.notes, confirmed.revision, ded.members, ded.not_in_full
    );
    print::office_summary(&doc);
    println!("結果報告: {}（冪等キー {}）", report.file, report.idempotency_key);
    for e in &exports {
        println!("{}: {}ファイル（{}件）", e.kind, e.files.len(), e.records);
        for n in e.notes.iter().take(5) {
            println!("  注意: {n}");
        }
    }
    println!("出力先: {}（bill.json, report.json, infoone.db ほか）", out.display());
    if let Some(s) = &submitted {
        online::deliveries(&s.deliveries);
    }
    Ok(())
}

/// Where `infoone server` keeps its ledger: `--database URL` (or `INFOONE_DATABASE_URL`) for
/// PostgreSQL, else `--db PATH` for SQLite.
fn server_database(db: &Option<PathBuf>, database: Option<String>) -> Result<infoone_server::Database, AppError> {
    let from_env = || {
        std::env::var("INFOONE_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
    };
    let url = match (database, db) {
        (Some(url), _) => Some(url),
        (None, None) => from_env(),
        (None, Some(_)) => None,
    };
    match (url, db) {
        (Some(url), None) => {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Ok(infoone_server::Database::Postgres(url))
            } else {
                Err(AppError::bad_input(
                    "--database は postgres://ユーザー@ホスト:ポート/データベース の形で指定してください",
                ))
            }
        }
        (Some(_), Some(_)) => Err(AppError::bad_input(
            "--db（SQLite）と --database（PostgreSQL）はどちらか一方だけを指定してください",
        )),
        (None, Some(path)) => Ok(infoone_server::Database::Sqlite(path.clone())),
        (None, None) => Err(AppError::bad_input(
            "infoone server には --db PATH（SQLite）か --database postgres://…（PostgreSQL）が必要です",
        )),
    }
}

/// `server-token list|revoke` on the insurer's database.
fn server_token(db: &Option<PathBuf>, cmd: args::ServerTokenCmd) -> Result<(), AppError> {
    let db = server_database(db, None)?;
    let internal = |e: String| AppError::new(ErrorCode::Internal, e);
    let state = infoone_server::AppState::connect(&db, infoone_server::Limits::default())
        .map_err(|e| internal(e.to_string()))?;
    match cmd {
        args::ServerTokenCmd::List { json: as_json } => {
            let rows = state
                .db()
                .read(|tx| Ok(tx.srv_tokens()?))
                .map_err(|e| internal(e.message))?;
            if as_json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|t| {
                        serde_json::json!({"token_id": t.id, "role": t.role, "group": t.group_code, "label": t.label,
                        "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at})
                    })
                    .collect();
                json(&v)?;
            } else {
                for t in rows {
                    println!(
                        "{:>4} {:<6} {:<10} 発行 {} 期限 {} {}",
                        t.id,
                        t.role,
                        t.group_code.as_deref().unwrap_or("-"),
                        t.created_at,
                        t.expires_at.as_deref().unwrap_or("なし"),
                        t.revoked_at
                            .as_deref()
                            .map(|r| format!("無効化 {r}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        args::ServerTokenCmd::Revoke { id } => {
            let row = infoone_server::tokens::revoke_in(state.db(), id, "cli:server-token")
                .map_err(|e| internal(e.message))?
                .ok_or_else(|| AppError::not_found(format!("トークン {id} はありません")))?;
            println!(
                "トークン {} を無効にしました（{}）",
                row.id,
                row.revoked_at.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(())
}
