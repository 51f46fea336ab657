//! Invoices and letters as PDF (FORMATS.md "Invoices and letters"), A4, with IPAex Gothic
//! embedded as a subset (pdf-writer and subsetter, `writer.rs`; docs/OUTPUTS.md says why not
//! genpdf or krilla's drawing API):
//!
//! - [`office_invoice`] 請求書 for one office of a confirmed bill, and [`group_invoices`], all
//!   offices' invoices in one PDF with a bookmark per office;
//! - [`individual_invoice`] 個別請求書 for a withdrawer's lump sum or undeducted amounts;
//! - [`deduction_report`] 控除結果報告書 per office, once deduction results are in;
//! - [`reminder`] 督促状, first or second notice.
//!
//! Everything a document says comes from its arguments: the frozen bill ([`BillDoc`]) and a
//! [`Context`] (group, payee account, names, addresses, issue date, date style) — no clock, no
//! database. Amounts are right-aligned with thousands separators; long lists continue on further
//! pages under a repeated heading; dates are Gregorian (2026年12月31日) or 和暦 (令和8年12月31日)
//! per `group.settings.date_style`.

mod invoice;
mod layout;
mod reminder;
mod report;
mod writer;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use infoone_domain::money::Yen;
use rust_decimal::Decimal;

use crate::bill_doc::BillDoc;
use crate::date::{to_wareki, Era};
use crate::package::{AccountType, BankAccount, BillPackage, DateStyle, FeeSettlement};

pub use invoice::{group_invoices, individual_invoice, office_invoice};
pub use reminder::{reminder, Notice, Reminder};
pub use report::{deduction_report, DeductionReport, MemberResult};

use layout::{Align, Canvas};

/// A PDF could not be made (only an unreadable built-in font or a failure to subset or compress).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PdfError(pub String);

pub type Result<T> = std::result::Result<T, PdfError>;

/// Where a letter goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub postal_code: String,
    pub address: String,
}

/// A member as the individual invoice and the detail lists name them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// Office code.
    pub office: String,
    pub postal_code: String,
    pub address: String,
}

/// What every document of a group's month shares.
#[derive(Clone, Debug)]
pub struct Context {
    pub group_code: String,
    pub group_name: String,
    /// 発行日.
    pub issue_date: NaiveDate,
    pub date_style: DateStyle,
    pub fee_settlement: FeeSettlement,
    /// Consumption tax on the collection fee (0.10).
    pub tax_rate: Decimal,
    /// Where offices (and individuals) pay.
    pub payee: BankAccount,
    /// Product code → name.
    pub products: BTreeMap<String, String>,
    /// Office code → name and address.
    pub offices: BTreeMap<String, Address>,
    /// Employee number → member.
    pub members: HashMap<String, Person>,
}

impl Context {
    /// Group, settings, payee account, products, offices and members from the package; the caller
    /// may add members (hires accepted this month) or replace names from the current ledger.
    pub fn from_package(p: &BillPackage, issue_date: NaiveDate) -> Context {
        let s = &p.group.settings;
        Context {
            group_code: p.group.code.clone(),
            group_name: p.group.name.clone(),
            issue_date,
            date_style: s.date_style,
            fee_settlement: s.fee_settlement,
            tax_rate: s.tax_rate,
            payee: p.group.payee_account.clone(),
            products: p
                .group_products
                .iter()
                .map(|g| (g.code.clone(), g.name.clone()))
                .collect(),
            offices: p
                .offices
                .iter()
                .map(|o| {
                    let a = Address {
                        name: o.name.clone(),
                        postal_code: o.postal_code.clone().unwrap_or_default(),
                        address: o.address.clone().unwrap_or_default(),
                    };
                    (o.code.clone(), a)
                })
                .collect(),
            members: p
                .members
                .iter()
                .map(|m| {
                    let person = Person {
                        name: m.name.clone(),
                        office: m.office.clone(),
                        postal_code: m.postal_code.clone().unwrap_or_default(),
                        address: m.address.clone().unwrap_or_default(),
                    };
                    (m.employee_no.clone(), person)
                })
                .collect(),
        }
    }

    /// A date per the group's style: `2026年12月31日` or `令和8年12月31日`.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.date_style {
            DateStyle::Gregorian => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            DateStyle::Wareki => to_wareki(d),
        }
    }

    /// A month (`"2026-12"`) per the group's style: `2026年12月` or `令和8年12月`. Text that is no
    /// month comes back as it is.
    pub fn month(&self, ym: &str) -> String {
        let Some(first) = first_of(ym) else {
            return ym.to_string();
        };
        match (self.date_style, Era::of(first)) {
            (DateStyle::Wareki, Some(era)) => {
                let y = first.year() - era.start().year() + 1;
                let y = if y == 1 { "元".to_string() } else { y.to_string() };
                format!("{}{}年{}月", era.name(), y, first.month())
            }
            _ => format!("{}年{}月", first.year(), first.month()),
        }
    }

    fn product<'a>(&'a self, code: &'a str) -> &'a str {
        self.products.get(code).map(String::as_str).unwrap_or(code)
    }

    fn member_name(&self, employee_no: &str) -> &str {
        self.members.get(employee_no).map(|m| m.name.as_str()).unwrap_or("")
    }

    fn office(&self, code: &str, fallback_name: &str) -> Address {
        self.offices.get(code).cloned().unwrap_or_else(|| Address {
            name: fallback_name.to_string(),
            ..Address::default()
        })
    }

    /// `10%` for a tax rate of 0.10.
    fn tax_percent(&self) -> String {
        format!("{}%", (self.tax_rate * Decimal::from(100)).normalize())
    }
}

fn first_of(ym: &str) -> Option<NaiveDate> {
    let (y, m) = ym.split_once('-')?;
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// `1,234` / `-1,234`.
fn yen(n: i64) -> String {
    Yen::new(n).with_thousands()
}

/// `（第2版）` from revision 2 on, else empty.
fn revision_label(bill: &BillDoc) -> String {
    if bill.revision >= 2 {
        format!("第{}版", bill.revision)
    } else {
        String::new()
    }
}

fn account_type(t: AccountType) -> &'static str {
    match t {
        AccountType::Ordinary => "普通預金",
        AccountType::Current => "当座預金",
    }
}

// ---------------------------------------------------------------------------------------------
// Blocks every document uses
// ---------------------------------------------------------------------------------------------

/// Issue date and reference at the top right, the title centred, a revision stamp beside it.
fn heading(cv: &mut Canvas, title: &str, issue: &str, reference: &str, revision: &str) {
    cv.text_at(
        layout::RIGHT,
        cv.y + 9.0,
        9.0,
        &format!("発行日　{issue}"),
        Align::Right,
    );
    if !reference.is_empty() {
        cv.text_at(layout::RIGHT, cv.y + 22.0, 8.0, reference, Align::Right);
    }
    let base = cv.y + 62.0;
    let mid = layout::PAGE_W / 2.0;
    cv.bold_at(mid, base, 22.0, title, Align::Center);
    let half = layout::text_width(title, 22.0) / 2.0;
    cv.hline(mid - half - 24.0, mid + half + 24.0, base + 8.0, 0.8);
    cv.hline(mid - half - 24.0, mid + half + 24.0, base + 10.5, 0.4);
    if !revision.is_empty() {
        let x = mid + half + 36.0;
        let w = layout::text_width(revision, 12.0) + 14.0;
        cv.rect(x, base - 17.0, w, 23.0, None, Some(1.0));
        cv.bold_at(x + w / 2.0, base - 1.0, 12.0, revision, Align::Center);
    }
    cv.y = base + 24.0;
}

/// Recipient on the left (postal code, address, lines, the name with 御中/様 underlined), sender
/// on the right. Moves the cursor below both.
fn addresses(cv: &mut Canvas, postal: &str, address: &str, lines: &[String], name: &str, sender: &[String]) {
    let top = cv.y;
    let mut y = top + 10.0;
    if !postal.is_empty() {
        cv.text_at(layout::MARGIN_X, y, 9.5, &format!("〒{postal}"), Align::Left);
        y += 14.0;
    }
    if !address.is_empty() {
        for l in layout::wrap(address, 9.5, 270.0) {
            cv.text_at(layout::MARGIN_X, y, 9.5, &l, Align::Left);
            y += 14.0;
        }
    }
    for l in lines {
        y += 3.0;
        cv.text_at(layout::MARGIN_X, y, 10.5, l, Align::Left);
        y += 12.0;
    }
    y += 10.0;
    cv.bold_at(layout::MARGIN_X, y, 14.0, name, Align::Left);
    cv.hline(layout::MARGIN_X, layout::MARGIN_X + 280.0, y + 5.0, 0.6);
    y += 8.0;
    let mut ry = top + 10.0;
    let rx = 360.0;
    for (i, l) in sender.iter().enumerate() {
        let size = if i == 0 { 10.5 } else { 8.5 };
        cv.text_at(rx, ry, size, l, Align::Left);
        ry += if i == 0 { 15.0 } else { 12.0 };
    }
    cv.y = y.max(ry) + 14.0;
}

/// A row of boxed cells: a label over a value; the first cell is emphasised.
fn key_figures(cv: &mut Canvas, cells: &[(&str, String, f32)]) {
    let h = 46.0;
    let mut x = layout::MARGIN_X;
    for (i, (label, value, w)) in cells.iter().enumerate() {
        let fill = if i == 0 { Some(238) } else { None };
        cv.rect(x, cv.y, *w, h, fill, Some(0.8));
        cv.text_at(x + 7.0, cv.y + 14.0, 8.5, label, Align::Left);
        if i == 0 {
            cv.bold_at(x + w - 10.0, cv.y + 37.0, 19.0, value, Align::Right);
        } else {
            cv.bold_at(x + w - 10.0, cv.y + 35.0, 12.0, value, Align::Right);
        }
        x += w;
    }
    cv.y += h + 14.0;
}

/// "お振込先" with the payee account.
fn payee(cv: &mut Canvas, ctx: &Context, due: &str) {
    if !cv.fits(64.0) {
        cv.new_page();
    }
    let a = &ctx.payee;
    cv.bold_at(layout::MARGIN_X, cv.y + 10.0, 10.5, "お振込先", Align::Left);
    cv.y += 16.0;
    cv.rect(layout::MARGIN_X, cv.y, layout::WIDTH, 34.0, None, Some(0.6));
    let line = format!(
        "金融機関コード {}　支店コード {}　{}　口座番号 {}",
        a.bank_code,
        a.branch_code,
        account_type(a.account_type),
        a.account_no
    );
    cv.text_at(layout::MARGIN_X + 8.0, cv.y + 13.0, 9.5, &line, Align::Left);
    cv.text_at(
        layout::MARGIN_X + 8.0,
        cv.y + 27.0,
        9.5,
        &format!("口座名義 {}", a.holder_kana),
        Align::Left,
    );
    cv.y += 40.0;
    cv.paragraph(
        layout::MARGIN_X,
        layout::WIDTH,
        8.5,
        &format!("お支払期日（{due}）までに上記口座へお振り込みください。"),
    );
    cv.y += 6.0;
}

/// A section heading at the cursor.
fn section(cv: &mut Canvas, title: &str) {
    if !cv.fits(60.0) {
        cv.new_page();
    }
    cv.bold_at(layout::MARGIN_X, cv.y + 11.0, 11.0, title, Align::Left);
    cv.y += 18.0;
}

/// One PDF of `parts`, in order (a single document; a combined one uses [`writer::write`]).
fn render(parts: Vec<layout::Part>, title: &str) -> Result<Vec<u8>> {
    writer::write(parts.len(), |i| parts[i].clone(), title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(style: DateStyle) -> Context {
        let json = include_str!("../../../../tests/data/worked-example/bill-package.json");
        let p: BillPackage = serde_json::from_str(json).unwrap();
        let mut c = Context::from_package(&p, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        c.date_style = style;
        c
    }

    #[test]
    fn dates_and_months_follow_the_date_style() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let g = ctx(DateStyle::Gregorian);
        assert_eq!(
            (g.date(d), g.month("2026-12")),
            ("2026年12月31日".into(), "2026年12月".into())
        );
        let w = ctx(DateStyle::Wareki);
        assert_eq!(
            (w.date(d), w.month("2026-12")),
            ("令和8年12月31日".into(), "令和8年12月".into())
        );
        assert_eq!(w.month("2019-05"), "令和元年5月");
        assert_eq!(w.month("2019-04"), "平成31年4月");
        assert_eq!(w.month("?"), "?");
        assert_eq!(g.tax_percent(), "10%");
    }
}
