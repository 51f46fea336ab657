//! Human-readable output (Japanese), for a clerk at a terminal.

use infoone_app::{ChangeView, HrImport};
use infoone_formats::bill_doc::BillDoc;

/// Columns on a terminal: full-width (East Asian wide) characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn left(s: &str, cols: usize) -> String {
    format!("{s}{}", " ".repeat(cols.saturating_sub(width(s))))
}

fn right(s: &str, cols: usize) -> String {
    format!("{}{s}", " ".repeat(cols.saturating_sub(width(s))))
}

pub fn yen(n: i64) -> String {
    infoone_domain::money::Yen::new(n).with_thousands()
}

pub fn hr_import(s: &HrImport) {
    println!(
        "{}（{}）{}行を取り込み、変更{}件・確認事項{}件を提案しました",
        s.file, s.encoding, s.rows, s.proposed, s.notes
    );
    for (kind, n) in &s.by_kind {
        println!("  {kind}: {n}件");
    }
    if !s.unknown_columns.is_empty() {
        println!("  使わない列: {}", s.unknown_columns.join("、"));
    }
    println!("一覧: infoone changes list --month …　承認: infoone changes accept --all --month …");
}

/// 前回からの変更 after a load: counts per kind of record, and the first keys of each.
pub fn package_diff(d: &infoone_formats::package_diff::PackageDiff) {
    println!("前回（{} 版{}）からの変更:", d.since_month, d.since_version);
    for (what, x) in [
        ("事業所", &d.offices),
        ("商品・料率", &d.products),
        ("加入者", &d.members),
        ("加入", &d.enrollments),
    ] {
        if x.is_empty() {
            println!("  {what}: 変更なし");
            continue;
        }
        println!("  {what}: 追加{} 削除{} 変更{}", x.added, x.removed, x.changed);
        for (label, keys) in [
            ("追加", &x.added_keys),
            ("削除", &x.removed_keys),
            ("変更", &x.changed_keys),
        ] {
            if !keys.is_empty() {
                println!("    {label}: {}", keys.join(" "));
            }
        }
    }
}

/// 未入金一覧: one line per row, oldest due date first.
pub fn unpaid(list: &[infoone_app::unpaid::UnpaidItem]) {
    if list.is_empty() {
        println!("未入金はありません");
        return;
    }
    println!(
        "{} {} {} {} {} {} {} {} 督促",
        right("番号", 6),
        left("請求月", 8),
        left("社員番号等", 10),
        left("氏名", 16),
        right("金額", 10),
        left("期日", 10),
        right("経過", 6),
        left("理由", 22),
    );
    let mut total = 0;
    for u in list {
        let notice = match (&u.paid_at, &u.second_notice, &u.first_notice, u.reminder_due.as_deref()) {
            (Some(p), ..) => format!("入金済 {p}"),
            (None, Some(d), ..) => format!("第2回 {d}"),
            (None, None, _, Some("second")) => "第2回を出す".to_string(),
            (None, None, Some(d), _) => format!("第1回 {d}"),
            (None, None, None, Some("first")) => "第1回を出す".to_string(),
            _ => String::new(),
        };
        if u.paid_at.is_none() {
            total += u.amount;
        }
        println!(
            "{} {} {} {} {} {} {} {} {}",
            right(&u.id.to_string(), 6),
            left(&u.month, 8),
            left(&u.code, 10),
            left(&u.name, 16),
            right(&yen(u.amount), 10),
            left(&u.due_date, 10),
            right(&format!("{}日", u.days_overdue), 6),
            left(&format!("振替不能 {}", u.reason), 22),
            notice
        );
    }
    println!("未入金 合計 {}円", yen(total));
    if list.iter().any(|u| u.reminder_due.is_some()) {
        println!("督促状: infoone export reminders --month … --out …");
    }
}

pub fn changes(list: &[ChangeView]) {
    if list.is_empty() {
        println!("変更はありません");
    }
    for c in list {
        println!("{:>6} {:<9} {:<10} {}", c.id, c.status, c.kind, c.summary);
    }
}

pub fn office_summary(doc: &BillDoc) {
    let deducted = doc.totals.payable.is_some();
    let mut head = format!(
        "{} {} {} {} {} {}",
        left("事業所", 8),
        left("名称", 16),
        right("保険料合計", 14),
        right("集金事務費", 12),
        right("消費税", 10),
        right("請求額", 14)
    );
    if deducted {
        head.push_str(&format!(" {} {}", right("控除不能", 12), right("払込額", 14)));
    }
    println!("{head}");
    let row = |code: &str, name: &str, t: &infoone_formats::bill_doc::TotalsDoc| {
        let mut line = format!(
            "{} {} {} {} {} {}",
            left(code, 8),
            left(name, 16),
            right(&yen(t.premium_total), 14),
            right(&yen(t.fee), 12),
            right(&yen(t.fee_tax), 10),
            right(&yen(t.invoice_amount), 14)
        );
        if let (Some(u), Some(p)) = (t.undeducted, t.payable) {
            line.push_str(&format!(" {} {}", right(&yen(u), 12), right(&yen(p), 14)));
        }
        println!("{line}");
    };
    for o in &doc.offices {
        row(&o.code, &o.name, &o.totals);
    }
    row("合計", "", &doc.totals);
}

pub fn bill(doc: &BillDoc) {
    println!(
        "{} {} 状態: {} 第{}版 支払期日 {}",
        doc.group, doc.month, doc.state, doc.revision, doc.due_date
    );
    office_summary(doc);
    if !doc.individual_bills.is_empty() {
        println!("個別請求: {}件", doc.individual_bills.len());
    }
    for f in &doc.findings {
        println!("{} {}: {}", f.code, f.severity, f.message);
    }
}

pub fn export(s: &infoone_app::export::ExportSummary) {
    println!("{}: {}件", s.kind, s.records);
    for f in &s.files {
        println!("  {f}");
    }
    for n in &s.notes {
        println!("  注意: {n}");
    }
}

pub fn backups(db: &std::path::Path, list: &[infoone_app::backup::BackupInfo]) {
    let dir = infoone_app::backup::backups_dir(db);
    if list.is_empty() {
        println!("バックアップはありません（{}）", dir.display());
        return;
    }
    println!("{}（新しいものから{}件）", dir.display(), list.len());
    println!(
        "{}  {}  {}  名前",
        left("作成日時", 19),
        left("月", 7),
        left("直前の操作", 16)
    );
    for b in list {
        let action = match b.action.as_str() {
            "before-confirm" => "確定の前",
            "before-reopen" => "確定解除の前",
            "before-restore" => "復元の前",
            other => other,
        };
        let month = if b.month == "all" { "全体" } else { b.month.as_str() };
        println!(
            "{}  {}  {}  {}",
            left(&b.taken_at, 19),
            left(month, 7),
            left(action, 16),
            b.name
        );
    }
    println!("戻すには: infoone db restore 名前");
}

pub fn restored(s: &infoone_app::backup::RestoreSummary) {
    println!("バックアップ {} から戻しました", s.restored);
    if let Some(saved) = &s.saved_as {
        println!("戻す前のデータベースは {saved} として残しました（infoone db restore {saved} で元に戻せます）");
    }
    for (group, month, state) in &s.months {
        let label = state
            .parse::<infoone_app::infoone_store::MonthState>()
            .map_or(state.as_str(), |m| m.label());
        println!("  {group} {month} {label}");
    }
}
