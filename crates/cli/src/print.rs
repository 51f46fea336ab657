//! Human-readable output (Japanese), for a clerk at a terminal.

use infoone_app::{ChangeView, HrImport};
use infoone_formats::bill_doc::BillDoc;

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
    println!(
        "{:<8} {:<14} {:>14} {:>10} {:>8} {:>14}{}",
        "事業所",
        "名称",
        "保険料合計",
        "集金事務費",
        "消費税",
        "請求額",
        if deducted {
            format!(" {:>12} {:>14}", "控除不能", "払込額")
        } else {
            String::new()
        }
    );
    let row = |code: &str, name: &str, t: &infoone_formats::bill_doc::TotalsDoc| {
        println!(
            "{:<8} {:<14} {:>14} {:>10} {:>8} {:>14}{}",
            code,
            name,
            yen(t.premium_total),
            yen(t.fee),
            yen(t.fee_tax),
            yen(t.invoice_amount),
            match (t.undeducted, t.payable) {
                (Some(u), Some(p)) => format!(" {:>12} {:>14}", yen(u), yen(p)),
                _ => String::new(),
            }
        );
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
