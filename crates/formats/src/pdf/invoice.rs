//! 請求書 (office invoice) and 個別請求書 (individual invoice).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::layout::{self, col, Align, Canvas, Col, Part, Table};
use super::{addresses, heading, key_figures, payee, render, revision_label, section, yen, Context, Result};
use crate::bill_doc::{BillDoc, IndividualDoc, OfficeDoc};
use crate::package::FeeSettlement;

/// The invoice of one office as a PDF.
pub fn office_invoice(ctx: &Context, bill: &BillDoc, office: &OfficeDoc) -> Result<Vec<u8>> {
    let part = office_part(ctx, bill, office);
    render(vec![part], &invoice_title(ctx, bill, &office.name))
}

/// Every office's invoice in one PDF, in the bill's office order, each starting on a new page
/// with its own page numbers and a bookmark.
pub fn group_invoices(ctx: &Context, bill: &BillDoc) -> Result<Vec<u8>> {
    let title = invoice_title(ctx, bill, &ctx.group_name);
    // Offices are laid out, encoded and compressed on every core (2,000 offices in one PDF).
    let offices = &bill.offices;
    super::writer::write(offices.len(), |i| office_part(ctx, bill, &offices[i]), &title)
}

fn invoice_title(ctx: &Context, bill: &BillDoc, whom: &str) -> String {
    let rev = revision_label(bill);
    let rev = if rev.is_empty() { rev } else { format!("（{rev}）") };
    format!("請求書 {} {}分{rev}", whom, ctx.month(&bill.month))
}

/// 区分 of a bill line.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "retro" => "遡及調整",
        "carry_over" => "繰越",
        _ => "保険料",
    }
}

fn kind_order(kind: &str) -> u8 {
    match kind {
        "retro" => 1,
        "carry_over" => 2,
        _ => 0,
    }
}

const SUMMARY: [Col; 5] = [
    col("区分", 96.0, Align::Left),
    col("商品", 170.0, Align::Left),
    col("対象月", 95.0, Align::Center),
    col("件数", 48.0, Align::Right),
    col("金額（円）", 90.0, Align::Right),
];

const DETAIL: [Col; 7] = [
    col("No.", 32.0, Align::Right),
    col("社員番号", 62.0, Align::Left),
    col("氏名", 108.0, Align::Left),
    col("商品", 110.0, Align::Left),
    col("区分", 55.0, Align::Left),
    col("対象月", 62.0, Align::Center),
    col("金額（円）", 70.0, Align::Right),
];

fn office_part(ctx: &Context, bill: &BillDoc, office: &OfficeDoc) -> Part {
    let mut cv = Canvas::new();
    let rev = revision_label(bill);
    let month = ctx.month(&bill.month);
    let due = ctx.date(bill.due_date);
    let reference = format!("請求番号　{}-{}-{}", ctx.group_code, bill.month, office.code);
    heading(&mut cv, "請求書", &ctx.date(ctx.issue_date), &reference, &rev);

    let addr = ctx.office(&office.code, &office.name);
    addresses(
        &mut cv,
        &addr.postal_code,
        &addr.address,
        std::slice::from_ref(&ctx.group_name),
        &format!("{}　御中", addr.name),
        &[
            ctx.group_name.clone(),
            format!("団体コード　{}", ctx.group_code),
            format!("事業所コード　{}", office.code),
        ],
    );

    let t = &office.totals;
    cv.paragraph(
        layout::MARGIN_X,
        layout::WIDTH,
        10.0,
        &format!("下記のとおり、{month}分の団体保険料をご請求申し上げます。"),
    );
    if !rev.is_empty() {
        cv.paragraph(
            layout::MARGIN_X,
            layout::WIDTH,
            9.0,
            &format!("本書は{rev}です。先にお送りした請求書に代わるものですので、以前の請求書は破棄してください。"),
        );
    }
    cv.y += 6.0;
    key_figures(
        &mut cv,
        &[
            ("ご請求額（円）", yen(t.invoice_amount), 250.0),
            ("請求月", format!("{month}分"), 119.0),
            ("お支払期日", due.clone(), layout::WIDTH - 369.0),
        ],
    );

    // Summary: regular premiums per product, retroactive adjustments and carry-overs per product
    // and month, each on its own line.
    section(&mut cv, "ご請求の内訳");
    let table = Table {
        x: layout::MARGIN_X,
        cols: &SUMMARY,
        size: 9.5,
        row_h: 18.0,
        continued: format!("ご請求の内訳（続き）　{}　{month}分", addr.name),
    };
    table.header(&mut cv);
    let mut groups: BTreeMap<(u8, &str, &str), (usize, i64)> = BTreeMap::new();
    for l in &office.lines {
        let month_key = if l.kind == "regular" {
            bill.month.as_str()
        } else {
            l.month.as_str()
        };
        let e = groups.entry((kind_order(&l.kind), month_key, &l.product)).or_default();
        e.0 += 1;
        e.1 += l.amount;
    }
    // Products with no regular lines still show, so every group product appears.
    for code in office.by_product.keys() {
        groups.entry((0, bill.month.as_str(), code)).or_default();
    }
    for ((kind, m, product), (count, amount)) in &groups {
        let label = match kind {
            1 => "遡及調整",
            2 => "繰越",
            _ => "保険料",
        };
        let product = ctx.product(product);
        table.row(
            &mut cv,
            &[label, product, &ctx.month(m), &count.to_string(), &yen(*amount)],
            false,
        );
    }
    table.total(&mut cv, "保険料合計（非課税）", &yen(t.premium_total), true);
    let pct = ctx.tax_percent();
    match ctx.fee_settlement {
        FeeSettlement::Offset => {
            table.total(&mut cv, "集金事務費（差引）", &yen(-t.fee), false);
            table.total(
                &mut cv,
                &format!("集金事務費に係る消費税（{pct}・差引）"),
                &yen(-t.fee_tax),
                false,
            );
            table.total(&mut cv, "ご請求額", &yen(t.invoice_amount), true);
            cv.hline(layout::MARGIN_X, layout::RIGHT, cv.y + 1.5, 0.6);
            cv.y += 8.0;
            cv.paragraph(
                layout::MARGIN_X,
                layout::WIDTH,
                8.5,
                "※ 保険料は消費税の非課税取引です。集金事務費は課税取引のため、消費税を別に記載し、保険料から差し引いています。",
            );
        }
        FeeSettlement::Separate => {
            table.total(&mut cv, "ご請求額", &yen(t.invoice_amount), true);
            cv.hline(layout::MARGIN_X, layout::RIGHT, cv.y + 1.5, 0.6);
            cv.y += 8.0;
            cv.paragraph(
                layout::MARGIN_X,
                layout::WIDTH,
                8.5,
                &format!(
                    "※ 保険料は消費税の非課税取引です。集金事務費 {} 円とその消費税（{pct}）{} 円は、ご請求額から差し引かず、保険会社から別途お支払いします。",
                    yen(t.fee),
                    yen(t.fee_tax)
                ),
            );
        }
    }
    cv.y += 6.0;
    payee(&mut cv, ctx, &due);

    // Detail list, one row per bill line.
    cv.y += 4.0;
    section(&mut cv, &format!("加入者明細（{}件）", office.lines.len()));
    let detail = Table {
        x: layout::MARGIN_X,
        cols: &DETAIL,
        size: 8.5,
        row_h: 14.5,
        continued: format!("加入者明細（続き）　{}　{month}分", addr.name),
    };
    detail.header(&mut cv);
    // Months as the clerk reads them, formatted once per office.
    let mut months: HashMap<&str, String> = HashMap::new();
    for (i, l) in office.lines.iter().enumerate() {
        let kind = match &l.reason {
            Some(r) if l.kind == "carry_over" => Cow::Owned(format!("{}({r})", kind_label(&l.kind))),
            _ => Cow::Borrowed(kind_label(&l.kind)),
        };
        let m = months.entry(&l.month).or_insert_with(|| ctx.month(&l.month));
        detail.row(
            &mut cv,
            &[
                &(i + 1).to_string(),
                &l.employee_no,
                ctx.member_name(&l.employee_no),
                ctx.product(&l.product),
                &kind,
                m,
                &yen(l.amount),
            ],
            false,
        );
    }
    let sum = yen(office.lines.iter().map(|l| l.amount).sum());
    detail.total(&mut cv, "明細合計", &sum, true);

    let rev = if rev.is_empty() { rev } else { format!("（{rev}）") };
    let footer = format!(
        "{}　{}（{}）　{month}分 請求書{rev}",
        ctx.group_name, addr.name, office.code
    );
    cv.finish(format!("{}（{}）", addr.name, office.code), footer)
}

const INDIVIDUAL: [Col; 4] = [
    col("区分", 130.0, Align::Left),
    col("商品", 150.0, Align::Left),
    col("対象期間", 129.0, Align::Center),
    col("金額（円）", 90.0, Align::Right),
];

/// The individual invoice (個別請求書) of one member.
pub fn individual_invoice(ctx: &Context, bill: &BillDoc, ind: &IndividualDoc) -> Result<Vec<u8>> {
    let mut cv = Canvas::new();
    let rev = revision_label(bill);
    let month = ctx.month(&bill.month);
    let due = ctx.date(ind.due_date);
    let person = ctx.members.get(&ind.employee_no).cloned().unwrap_or_default();
    let office = ctx
        .offices
        .get(&person.office)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let reference = format!("請求番号　{}-{}-{}", ctx.group_code, bill.month, ind.employee_no);
    heading(&mut cv, "個別請求書", &ctx.date(ctx.issue_date), &reference, &rev);
    let mut lines = vec![format!("社員番号　{}", ind.employee_no)];
    if !office.is_empty() {
        lines.push(format!("所属　{office}"));
    }
    addresses(
        &mut cv,
        &person.postal_code,
        &person.address,
        &lines,
        &format!("{}　様", person.name),
        &[ctx.group_name.clone(), format!("団体コード　{}", ctx.group_code)],
    );
    let lump = ind.items.iter().any(|i| i.kind == "lump_sum");
    let why = if lump {
        "ご退職（脱退）に伴い、保険期間の終わりまでの保険料を一括でお支払いいただく（一括精算）ため、下記のとおりご請求申し上げます。"
    } else {
        "給与から控除できなかった団体保険料について、下記のとおりご請求申し上げます。"
    };
    cv.paragraph(layout::MARGIN_X, layout::WIDTH, 10.0, why);
    if !rev.is_empty() {
        cv.paragraph(
            layout::MARGIN_X,
            layout::WIDTH,
            9.0,
            &format!("本書は{rev}です。先にお送りした個別請求書に代わるものです。"),
        );
    }
    cv.y += 6.0;
    key_figures(
        &mut cv,
        &[
            ("ご請求額（円）", yen(ind.amount), 250.0),
            ("請求月", format!("{month}分"), 119.0),
            ("お支払期日", due.clone(), layout::WIDTH - 369.0),
        ],
    );
    section(&mut cv, "ご請求の内訳");
    let table = Table {
        x: layout::MARGIN_X,
        cols: &INDIVIDUAL,
        size: 9.5,
        row_h: 18.0,
        continued: format!("ご請求の内訳（続き）　{}　様", person.name),
    };
    table.header(&mut cv);
    for it in &ind.items {
        let kind = if it.kind == "lump_sum" {
            "一括精算"
        } else {
            "控除できなかった保険料"
        };
        let period = if it.from_month == it.to_month {
            ctx.month(&it.from_month)
        } else {
            format!("{}〜{}", ctx.month(&it.from_month), ctx.month(&it.to_month))
        };
        table.row(
            &mut cv,
            &[kind, ctx.product(&it.product), &period, &yen(it.amount)],
            false,
        );
    }
    table.total(&mut cv, "合計（非課税）", &yen(ind.amount), true);
    cv.hline(layout::MARGIN_X, layout::RIGHT, cv.y + 1.5, 0.6);
    cv.y += 8.0;
    cv.paragraph(
        layout::MARGIN_X,
        layout::WIDTH,
        8.5,
        "※ 保険料は消費税の非課税取引です。",
    );
    cv.y += 6.0;
    payee(&mut cv, ctx, &due);
    let rev = if rev.is_empty() { rev } else { format!("（{rev}）") };
    let footer = format!(
        "{}　{} 様（社員番号 {}）　{month}分 個別請求書{rev}",
        ctx.group_name, person.name, ind.employee_no
    );
    let part = cv.finish(person.name.clone(), footer);
    render(vec![part], &format!("個別請求書 {} {month}分", person.name))
}
