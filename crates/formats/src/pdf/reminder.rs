//! 督促状: first and second notice for an unpaid amount (DOMAIN.md §7): an invoice not paid by its
//! due date, or a premium whose account transfer failed (振替不能). Who gets which notice is
//! decided from the unpaid list (`infoone_domain::reminder`); this is the letter.

use chrono::NaiveDate;

use super::layout::{self, col, Align, Canvas, Col, Table};
use super::{addresses, heading, payee, render, section, yen, Address, Context, Result};

/// Which notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// After the due date.
    First,
    /// 30 days after the first.
    Second,
}

/// What a reminder says.
#[derive(Clone, Debug)]
pub struct Reminder {
    pub notice: Notice,
    /// The office (or person) written to; `name` without 御中 / 様.
    pub to: Address,
    /// `御中` for an office, `様` for a person.
    pub honorific: String,
    /// Office code or employee number, printed as the reference.
    pub code: String,
    /// Billing month, `"YYYY-MM"`.
    pub month: String,
    /// 未入金額.
    pub unpaid: i64,
    /// The invoice's due date, or the day the account transfer failed.
    pub original_due: NaiveDate,
    /// Why the account transfer failed (`資金不足` …) when the amount was to be debited; `None`
    /// for an invoice.
    pub transfer_failed: Option<String>,
    /// The new due date.
    pub new_due: NaiveDate,
}

const ROWS: [Col; 2] = [col("項目", 200.0, Align::Left), col("内容", 299.0, Align::Right)];

/// The reminder letter as a PDF.
pub fn reminder(ctx: &Context, r: &Reminder) -> Result<Vec<u8>> {
    let mut cv = Canvas::new();
    let month = ctx.month(&r.month);
    let (title, nth) = match r.notice {
        Notice::First => ("督促状", "第1回"),
        Notice::Second => ("督促状（再通知）", "第2回"),
    };
    let reference = format!("{}　{}-{}-{}", nth, ctx.group_code, r.month, r.code);
    heading(&mut cv, title, &ctx.date(ctx.issue_date), &reference, "");
    addresses(
        &mut cv,
        &r.to.postal_code,
        &r.to.address,
        std::slice::from_ref(&ctx.group_name),
        &format!("{}　{}", r.to.name, r.honorific),
        &[ctx.group_name.clone(), format!("団体コード　{}", ctx.group_code)],
    );
    let original = ctx.date(r.original_due);
    let new_due = ctx.date(r.new_due);
    let body = match (r.notice, &r.transfer_failed) {
        (Notice::First, None) => format!(
            "平素より団体保険の運営にご協力いただき、ありがとうございます。{month}分の団体保険料につきまして、お支払期日（{original}）を過ぎましたが、本日までにご入金を確認できておりません。お手数ですが、{new_due}までに下記口座へお振り込みくださいますようお願い申し上げます。"
        ),
        (Notice::First, Some(why)) => format!(
            "平素より団体保険の運営にご協力いただき、ありがとうございます。{month}分の団体保険料につきまして、{original}にご指定の口座から振替ができませんでした（{why}）。本日までにご入金を確認できておりませんので、お手数ですが、{new_due}までに下記口座へお振り込みくださいますようお願い申し上げます。"
        ),
        (Notice::Second, _) => format!(
            "{month}分の団体保険料につきまして、先にお支払いをお願いいたしましたが、本日までにご入金を確認できておりません。{new_due}までに必ず下記口座へお振り込みください。期日までにお支払いがない場合は、保険会社と協議のうえ対応させていただくことがあります。"
        ),
    };
    cv.paragraph(layout::MARGIN_X, layout::WIDTH, 10.0, &body);
    cv.paragraph(
        layout::MARGIN_X,
        layout::WIDTH,
        9.0,
        "なお、本状と行き違いでお支払いいただいている場合は、ご容赦ください。",
    );
    cv.y += 10.0;
    section(&mut cv, "記");
    let table = Table {
        x: layout::MARGIN_X,
        cols: &ROWS,
        size: 10.0,
        row_h: 20.0,
        continued: String::new(),
    };
    table.header(&mut cv);
    table.row(&mut cv, &["請求月", &format!("{month}分")], false);
    table.row(&mut cv, &["未入金額", &format!("{} 円", yen(r.unpaid))], true);
    let original_label = if r.transfer_failed.is_some() {
        "口座振替日"
    } else {
        "当初のお支払期日"
    };
    table.row(&mut cv, &[original_label, &original], false);
    if let Some(why) = &r.transfer_failed {
        table.row(&mut cv, &["振替できなかった理由", why], false);
    }
    table.row(&mut cv, &["新しいお支払期日", &new_due], true);
    cv.y += 14.0;
    payee(&mut cv, ctx, &new_due);
    let footer = format!("{}　{}　{month}分 {title}（{nth}）", ctx.group_name, r.to.name);
    let part = cv.finish(r.to.name.clone(), footer);
    render(vec![part], &format!("{title} {} {month}分", r.to.name))
}
