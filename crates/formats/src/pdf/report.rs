//! 控除結果報告書: what payroll deducted, per office (DOMAIN.md §5.4).

use std::collections::BTreeMap;

use super::layout::{self, col, Align, Canvas, Col, Table};
use super::{addresses, heading, key_figures, payee, render, revision_label, section, yen, Context, Result};
use crate::bill_doc::{BillDoc, OfficeDoc};
use crate::package::FeeSettlement;

/// One member's deduction in the office.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberResult {
    pub employee_no: String,
    pub billed: i64,
    pub deducted: i64,
    pub undeducted: i64,
    /// 休職, 退職, 給与不足, その他.
    pub reason: Option<String>,
    /// What happens to the undeducted amount: `carry_over` (翌月繰越) or `individual` (個別請求).
    pub handling: Option<String>,
}

/// The deduction outcome of one office.
#[derive(Clone, Debug)]
pub struct DeductionReport<'a> {
    /// The office's bill as confirmed (billed amounts, fee and tax as invoiced).
    pub office: &'a OfficeDoc,
    /// Product code → collected premiums.
    pub collected_by_product: BTreeMap<String, i64>,
    pub undeducted: i64,
    pub collected_fee: i64,
    pub collected_fee_tax: i64,
    /// What the office pays after deductions.
    pub payable: i64,
    pub members: Vec<MemberResult>,
}

const PRODUCTS: [Col; 4] = [
    col("商品", 200.0, Align::Left),
    col("請求額（円）", 100.0, Align::Right),
    col("控除額（円）", 100.0, Align::Right),
    col("控除不能額（円）", 99.0, Align::Right),
];

const MEMBERS: [Col; 8] = [
    col("No.", 30.0, Align::Right),
    col("社員番号", 58.0, Align::Left),
    col("氏名", 92.0, Align::Left),
    col("請求額", 62.0, Align::Right),
    col("控除額", 62.0, Align::Right),
    col("控除不能額", 68.0, Align::Right),
    col("理由", 60.0, Align::Left),
    col("取扱い", 67.0, Align::Left),
];

fn handling_label(code: &str) -> &str {
    match code {
        "carry_over" => "翌月繰越",
        "individual" => "個別請求",
        other => other,
    }
}

/// The deduction results report of one office as a PDF.
pub fn deduction_report(ctx: &Context, bill: &BillDoc, r: &DeductionReport<'_>) -> Result<Vec<u8>> {
    let office = r.office;
    let mut cv = Canvas::new();
    let month = ctx.month(&bill.month);
    let rev = revision_label(bill);
    let reference = format!("報告番号　{}-{}-{}", ctx.group_code, bill.month, office.code);
    heading(&mut cv, "控除結果報告書", &ctx.date(ctx.issue_date), &reference, &rev);
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
    cv.paragraph(
        layout::MARGIN_X,
        layout::WIDTH,
        10.0,
        &format!("{month}分の団体保険料について、給与からの控除結果を下記のとおりご報告します。"),
    );
    cv.y += 6.0;
    let collected: i64 = r.collected_by_product.values().sum();
    key_figures(
        &mut cv,
        &[
            ("納付額（円）", yen(r.payable), 250.0),
            ("控除額合計（円）", yen(collected), 119.0),
            ("控除不能額（円）", yen(r.undeducted), layout::WIDTH - 369.0),
        ],
    );

    section(&mut cv, "商品別の控除結果");
    let table = Table {
        x: layout::MARGIN_X,
        cols: &PRODUCTS,
        size: 9.5,
        row_h: 18.0,
        continued: format!("商品別の控除結果（続き）　{}　{month}分", addr.name),
    };
    table.header(&mut cv);
    let mut codes: Vec<&String> = office.by_product.keys().collect();
    for k in r.collected_by_product.keys() {
        if !office.by_product.contains_key(k) {
            codes.push(k);
        }
    }
    for code in codes {
        let billed = office.by_product.get(code).copied().unwrap_or(0);
        let got = r.collected_by_product.get(code).copied().unwrap_or(0);
        table.row(
            &mut cv,
            &[ctx.product(code), &yen(billed), &yen(got), &yen(billed - got)],
            false,
        );
    }
    table.row(
        &mut cv,
        &[
            "保険料合計（非課税）",
            &yen(office.totals.premium_total),
            &yen(collected),
            &yen(r.undeducted),
        ],
        true,
    );
    cv.y += 10.0;
    let sums = Table {
        x: layout::MARGIN_X,
        cols: &PRODUCTS,
        size: 9.5,
        row_h: 18.0,
        continued: table.continued.clone(),
    };
    let pct = ctx.tax_percent();
    sums.total(&mut cv, "控除額合計（非課税）", &yen(collected), true);
    match ctx.fee_settlement {
        FeeSettlement::Offset => {
            sums.total(
                &mut cv,
                "集金事務費（控除額に対して再計算・差引）",
                &yen(-r.collected_fee),
                false,
            );
            sums.total(
                &mut cv,
                &format!("集金事務費に係る消費税（{pct}・差引）"),
                &yen(-r.collected_fee_tax),
                false,
            );
            sums.total(&mut cv, "納付額", &yen(r.payable), true);
            cv.y += 4.0;
        }
        FeeSettlement::Separate => {
            sums.total(&mut cv, "納付額", &yen(r.payable), true);
            cv.y += 8.0;
            cv.paragraph(
                layout::MARGIN_X,
                layout::WIDTH,
                8.5,
                &format!(
                    "※ 集金事務費 {} 円とその消費税（{pct}）{} 円は、保険会社から別途お支払いします。",
                    yen(r.collected_fee),
                    yen(r.collected_fee_tax)
                ),
            );
        }
    }
    cv.y += 6.0;
    payee(&mut cv, ctx, &ctx.date(bill.due_date));

    cv.y += 4.0;
    section(&mut cv, &format!("加入者別の控除結果（{}名）", r.members.len()));
    let members = Table {
        x: layout::MARGIN_X,
        cols: &MEMBERS,
        size: 8.5,
        row_h: 14.5,
        continued: format!("加入者別の控除結果（続き）　{}　{month}分", addr.name),
    };
    members.header(&mut cv);
    for (i, m) in r.members.iter().enumerate() {
        members.row(
            &mut cv,
            &[
                &(i + 1).to_string(),
                &m.employee_no,
                ctx.member_name(&m.employee_no),
                &yen(m.billed),
                &yen(m.deducted),
                &yen(m.undeducted),
                m.reason.as_deref().unwrap_or(""),
                m.handling.as_deref().map(handling_label).unwrap_or(""),
            ],
            false,
        );
    }
    let billed: i64 = r.members.iter().map(|m| m.billed).sum();
    let deducted: i64 = r.members.iter().map(|m| m.deducted).sum();
    let undeducted: i64 = r.members.iter().map(|m| m.undeducted).sum();
    members.row(
        &mut cv,
        &["", "", "合計", &yen(billed), &yen(deducted), &yen(undeducted), "", ""],
        true,
    );

    let rev = if rev.is_empty() { rev } else { format!("（{rev}）") };
    let footer = format!(
        "{}　{}（{}）　{month}分 控除結果報告書{rev}",
        ctx.group_name, addr.name, office.code
    );
    let part = cv.finish(addr.name.clone(), footer);
    render(vec![part], &format!("控除結果報告書 {} {month}分", addr.name))
}
