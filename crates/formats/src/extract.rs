//! The member extract (加入者データ抽出) and participation rates (加入率), csv or xlsx
//! (FORMATS.md "Member extract"; docs/OUTPUTS.md).
//!
//! - The extract: every enrollment of the ledger with its member, the member's office in the
//!   ledger's month, product, plan, units, coverage months and the §3 monthly premium of the
//!   ledger's month (blank when the enrollment does not cover it).
//! - Participation (DOMAIN.md §8): per office and group product, and for the whole group,
//!   加入率 = enrolled employees ÷ active employees × 100, a percentage rounded half-up
//!   (四捨五入, `RoundingStrategy::MidpointAwayFromZero`) to one decimal with exact decimal
//!   arithmetic. Active employees are the ledger's members with 在籍区分 在籍 (not 休職, not
//!   退職) in the office they belong to on the 1st of the month; an employee is enrolled in a
//!   product when any enrollment of theirs in it (themself or a dependent insured) covers the
//!   month. No active employee: the rate is blank.
//! - csv: UTF-8 with a BOM (so Excel takes it as UTF-8, not cp932), CRLF line ends, fields quoted
//!   only when needed; the participation rates are a second file. xlsx: sheets 加入者データ and
//!   加入率, header frozen, autofilter, yen `#,##0`, rates `0.0%`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::xlsx::{self, ColumnFormat, SheetWriter};
use infoone_domain::bill::{monthly_premium, MonthlyPremium};
use infoone_domain::ledger::{Enrollment, Insured, Ledger, Member, MemberStatus};
use infoone_domain::month::YearMonth;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::roster::InsuredKind;

/// Sheet names of the xlsx.
pub const EXTRACT_SHEET: &str = "加入者データ";
pub const PARTICIPATION_SHEET: &str = "加入率";

/// The extract's columns with their widths.
pub const EXTRACT_LAYOUT: [(&str, f64); 17] = [
    ("加入ID", 14.0),
    ("社員番号", 10.0),
    ("氏名", 16.0),
    ("氏名カナ", 20.0),
    ("在籍区分", 10.0),
    ("事業所コード", 13.0),
    ("事業所名", 16.0),
    ("被保険者区分", 13.0),
    ("被保険者氏名", 16.0),
    ("商品コード", 11.0),
    ("商品名", 22.0),
    ("プラン", 7.0),
    ("プラン名", 22.0),
    ("口数", 6.0),
    ("加入開始月", 11.0),
    ("加入終了月", 11.0),
    ("月額保険料", 12.0),
];

/// The participation table's columns with their widths.
pub const PARTICIPATION_LAYOUT: [(&str, f64); 7] = [
    ("事業所コード", 13.0),
    ("事業所名", 16.0),
    ("商品コード", 11.0),
    ("商品名", 22.0),
    ("在籍者数", 10.0),
    ("加入者数", 10.0),
    ("加入率", 9.0),
];

/// The office name of the group-wide rows of the participation table (their code is blank).
pub const GROUP_TOTAL: &str = "団体計";

/// One enrollment of the extract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractRow {
    pub enrollment: String,
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub status: MemberStatus,
    /// The office the member belongs to on the 1st of the ledger's month.
    pub office: String,
    pub office_name: String,
    pub insured: InsuredKind,
    pub insured_name: String,
    pub product: String,
    pub product_name: String,
    pub plan: String,
    pub plan_name: String,
    pub units: u32,
    pub start_month: YearMonth,
    pub end_month: Option<YearMonth>,
    /// The monthly premium of the ledger's month; `None` when not covered (or not computable).
    pub premium: Option<i64>,
}

fn extract_row(ledger: &Ledger, m: &Member, e: &Enrollment) -> ExtractRow {
    let office = m.office_in(ledger.month).to_string();
    let (insured, insured_name) = match &e.insured {
        Insured::Member => (InsuredKind::Member, m.name.clone()),
        Insured::Dependent(id) => m
            .dependents
            .iter()
            .find(|d| &d.id == id)
            .map_or((InsuredKind::Spouse, String::new()), |d| {
                (InsuredKind::of_relation(d.relation), d.name.clone())
            }),
    };
    let product = ledger.products.get(&e.product);
    ExtractRow {
        enrollment: e.id.clone(),
        employee_no: m.employee_no.clone(),
        name: m.name.clone(),
        name_kana: m.name_kana.clone(),
        status: m.status,
        office_name: ledger.offices.get(&office).map_or_else(String::new, |o| o.name.clone()),
        office,
        insured,
        insured_name,
        product: e.product.clone(),
        product_name: product.map_or_else(String::new, |p| p.name.clone()),
        plan: e.plan.clone(),
        plan_name: product
            .and_then(|p| p.plans.iter().find(|pl| pl.code == e.plan))
            .map_or_else(String::new, |pl| pl.name.clone()),
        units: e.units,
        start_month: e.start_month,
        end_month: e.end_month,
        premium: match monthly_premium(ledger, e, ledger.month) {
            MonthlyPremium::Due(y) => Some(y.to_i64()),
            MonthlyPremium::None | MonthlyPremium::Error(_) => None,
        },
    }
}

/// Every enrollment of the ledger: by employee number, then enrollment id.
pub fn extract_rows(ledger: &Ledger) -> impl Iterator<Item = ExtractRow> + '_ {
    ledger.members.values().flat_map(move |m| {
        let mut es: Vec<&Enrollment> = ledger.enrollments_of(&m.employee_no).collect();
        es.sort_by(|a, b| a.id.cmp(&b.id));
        es.into_iter()
            .map(move |e| extract_row(ledger, m, e))
            .collect::<Vec<_>>()
    })
}

/// One row of the participation table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participation {
    /// Blank for the group-wide row of a product.
    pub office: String,
    pub office_name: String,
    pub product: String,
    pub product_name: String,
    /// Members with 在籍区分 在籍 in the office on the 1st of the month.
    pub active: u32,
    /// Of them, those with an enrollment in the product covering the month.
    pub enrolled: u32,
    /// enrolled ÷ active × 100, half-up to one decimal; `None` when `active` is 0.
    pub rate: Option<Decimal>,
}

/// 加入率 in percent: `enrolled × 100 ÷ active`, rounded half-up (四捨五入) to one decimal.
pub fn participation_rate(enrolled: u32, active: u32) -> Option<Decimal> {
    if active == 0 {
        return None;
    }
    let mut r = (Decimal::from(enrolled) * Decimal::ONE_HUNDRED / Decimal::from(active))
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(1);
    Some(r)
}

/// `35.0%`, or `""` when there is no rate.
pub fn rate_text(rate: Option<Decimal>) -> String {
    rate.map_or_else(String::new, |r| format!("{r}%"))
}

/// The participation table: every office × every group product (offices and products by code),
/// then one group-wide row per product.
pub fn participation(ledger: &Ledger) -> Vec<Participation> {
    let month = ledger.month;
    let mut active: BTreeMap<&str, u32> = BTreeMap::new();
    let mut per: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    let mut products: Vec<&str> = Vec::new();
    for m in ledger.members.values().filter(|m| m.status == MemberStatus::Active) {
        let office = m.office_in(month);
        *active.entry(office).or_default() += 1;
        // Each product once per employee, whoever its enrollments insure.
        products.clear();
        products.extend(
            ledger
                .enrollments_of(&m.employee_no)
                .filter(|e| e.covers(month))
                .map(|e| e.product.as_str()),
        );
        products.sort_unstable();
        products.dedup();
        for p in &products {
            *per.entry((office, p)).or_default() += 1;
        }
    }
    let mut out = Vec::with_capacity((ledger.offices.len() + 1) * ledger.products.len());
    for o in ledger.offices.values() {
        let a = active.get(o.code.as_str()).copied().unwrap_or(0);
        for p in ledger.products.values() {
            let n = per.get(&(o.code.as_str(), p.code.as_str())).copied().unwrap_or(0);
            out.push(Participation {
                office: o.code.clone(),
                office_name: o.name.clone(),
                product: p.code.clone(),
                product_name: p.name.clone(),
                active: a,
                enrolled: n,
                rate: participation_rate(n, a),
            });
        }
    }
    let all: u32 = active.values().sum();
    for p in ledger.products.values() {
        let n: u32 = per
            .iter()
            .filter(|((_, pr), _)| *pr == p.code.as_str())
            .map(|(_, n)| *n)
            .sum();
        out.push(Participation {
            office: String::new(),
            office_name: GROUP_TOTAL.to_string(),
            product: p.code.clone(),
            product_name: p.name.clone(),
            active: all,
            enrolled: n,
            rate: participation_rate(n, all),
        });
    }
    out
}

fn month_text(m: Option<YearMonth>) -> String {
    m.map_or_else(String::new, |m| m.to_string())
}

fn csv_writer<W: Write>(mut w: W) -> std::io::Result<csv::Writer<W>> {
    w.write_all("\u{FEFF}".as_bytes())?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w))
}

/// The extract as csv (UTF-8 with BOM, CRLF); returns the number of data rows.
pub fn write_extract_csv<W: Write>(ledger: &Ledger, w: W) -> std::io::Result<usize> {
    let mut out = csv_writer(w)?;
    out.write_record(EXTRACT_LAYOUT.iter().map(|(h, _)| *h))?;
    let mut n = 0;
    for r in extract_rows(ledger) {
        n += 1;
        out.write_record([
            r.enrollment.as_str(),
            &r.employee_no,
            &r.name,
            &r.name_kana,
            r.status.label(),
            &r.office,
            &r.office_name,
            r.insured.label(),
            &r.insured_name,
            &r.product,
            &r.product_name,
            &r.plan,
            &r.plan_name,
            &r.units.to_string(),
            &r.start_month.to_string(),
            &month_text(r.end_month),
            &r.premium.map_or_else(String::new, |y| y.to_string()),
        ])?;
    }
    out.flush()?;
    Ok(n)
}

/// The participation table as csv (UTF-8 with BOM, CRLF); returns the number of data rows.
pub fn write_participation_csv<W: Write>(ledger: &Ledger, w: W) -> std::io::Result<usize> {
    let mut out = csv_writer(w)?;
    out.write_record(PARTICIPATION_LAYOUT.iter().map(|(h, _)| *h))?;
    let rows = participation(ledger);
    for p in &rows {
        out.write_record([
            p.office.as_str(),
            &p.office_name,
            &p.product,
            &p.product_name,
            &p.active.to_string(),
            &p.enrolled.to_string(),
            &rate_text(p.rate),
        ])?;
    }
    out.flush()?;
    Ok(rows.len())
}

/// The extract and the participation table as one xlsx (sheets 加入者データ and 加入率), streamed
/// (formats::xlsx: constant memory, deflated on other threads); returns the number of extract
/// rows.
pub fn write_extract_xlsx(ledger: &Ledger, path: &Path) -> std::io::Result<usize> {
    let extract = xlsx::columns(&EXTRACT_LAYOUT, |c| match c {
        13 | 16 => ColumnFormat::Yen,
        14 | 15 => ColumnFormat::Month,
        _ => ColumnFormat::General,
    });
    let mut ws = SheetWriter::create_workbook(path, &[EXTRACT_SHEET, PARTICIPATION_SHEET], &extract)?;
    let mut n = 0usize;
    for e in extract_rows(ledger) {
        n += 1;
        ws.start_row();
        for (c, s) in [
            (0, e.enrollment.as_str()),
            (1, &e.employee_no),
            (2, &e.name),
            (3, &e.name_kana),
            (4, e.status.label()),
            (5, &e.office),
            (6, &e.office_name),
            (7, e.insured.label()),
            (8, &e.insured_name),
            (9, &e.product),
            (10, &e.product_name),
            (11, &e.plan),
            (12, &e.plan_name),
        ] {
            ws.text(c, s);
        }
        ws.number(13, i64::from(e.units));
        ws.date(14, e.start_month.first_day());
        if let Some(end) = e.end_month {
            ws.date(15, end.first_day());
        }
        if let Some(y) = e.premium {
            ws.number(16, y);
        }
        ws.end_row()?;
    }
    let rates = xlsx::columns(&PARTICIPATION_LAYOUT, |c| match c {
        4 | 5 => ColumnFormat::Yen,
        6 => ColumnFormat::Percent,
        _ => ColumnFormat::General,
    });
    ws.next_sheet(&rates)?;
    for p in participation(ledger) {
        ws.start_row();
        ws.text(0, &p.office);
        ws.text(1, &p.office_name);
        ws.text(2, &p.product);
        ws.text(3, &p.product_name);
        ws.number(4, i64::from(p.active));
        ws.number(5, i64::from(p.enrolled));
        if let Some(rate) = p.rate {
            // The rounded rate as a fraction (35.0% → 0.35), shown `0.0%`: the cell's decimal
            // text is exact, so Excel shows exactly the rounded percentage.
            ws.decimal(6, rate / Decimal::ONE_HUNDRED);
        }
        ws.end_row()?;
    }
    ws.finish()?;
    Ok(n)
}
