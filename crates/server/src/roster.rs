//! Loading a group's members and enrollments from an Excel roster (加入者名簿, the layout of
//! `formats::roster`, docs/OUTPUTS.md "Roster") into the insurer's ledger (admin,
//! `POST /v1/admin/groups/{group}/roster`).
//!
//! Unlike the clerk's roster import, which proposes dated changes for review, this is the
//! insurer's own load: the roster's values are written into the ledger as they are, for the
//! group's current month. Members not in the ledger are added; a member's 氏名, 氏名カナ, 在籍区分,
//! 事業所コード, メールアドレス, 郵便番号 and 住所 are updated; enrollments are added or updated
//! (プラン, 口数, 加入開始月, 加入終了月, 脱退月, 脱退時の選択); nothing is deleted (a roster may be
//! filtered). A column the file does not have changes nothing. Any problem refuses the whole file
//! with positioned problems (row, column, value, expected) and, as the caller runs this in one
//! transaction, changes nothing. See docs/DECISIONS.md "Insurer API".

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use infoone_domain::bill::{monthly_premium, MonthlyPremium};
use infoone_domain::ledger::{MemberStatus, WithdrawalOption};
use infoone_domain::month::{PolicyYear, YearMonth};
use infoone_domain::product::Gender;
use infoone_formats::error::{FileError, Problem};
use infoone_formats::package::{self as p, INSURED_SELF};
use infoone_formats::roster::{self as r, code, option_label, InsuredKind, Roster, RosterEnrollment, RosterRow};
use infoone_formats::text::normalize;
use infoone_store::ledger_db::{GroupRow, MemberRow};
use infoone_store::{Audit, LedgerTx};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::ledger;

/// What a roster load did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RosterLoad {
    pub group: String,
    pub month: String,
    /// Whether the ledger changed (and with it the package version).
    pub changed: bool,
    /// Data rows read from the file.
    pub rows: usize,
    pub members_added: usize,
    pub members_updated: usize,
    pub enrollments_added: usize,
    pub enrollments_updated: usize,
    /// Header texts of the columns the reader does not use.
    pub unknown_columns: Vec<String>,
}

/// A refused roster: 422 `invalid_roster` with the positioned problems.
pub fn refused(e: &FileError) -> ApiError {
    let first = e.to_string().lines().next().unwrap_or_default().to_string();
    let total = e.problems.len() + e.more;
    ApiError::unprocessable(
        "invalid_roster",
        format!("加入者名簿を取り込めません（問題{total}件。台帳は変更していません）: {first}"),
    )
    .with(
        "problems",
        serde_json::to_value(&e.problems).unwrap_or_else(|_| Value::Array(Vec::new())),
    )
    .with("more", json!(e.more))
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

fn from_json<T: for<'de> serde::Deserialize<'de>>(text: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| internal(format!("stored {what}: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(internal)
}

fn month_of(s: &str) -> Option<YearMonth> {
    s.parse().ok()
}

fn status_of(s: p::MemberStatus) -> MemberStatus {
    match s {
        p::MemberStatus::Active => MemberStatus::Active,
        p::MemberStatus::Leave => MemberStatus::Leave,
        p::MemberStatus::Retired => MemberStatus::Retired,
    }
}

fn package_status(s: MemberStatus) -> p::MemberStatus {
    match s {
        MemberStatus::Active => p::MemberStatus::Active,
        MemberStatus::Leave => p::MemberStatus::Leave,
        MemberStatus::Retired => p::MemberStatus::Retired,
    }
}

fn package_gender(g: Gender) -> p::Gender {
    match g {
        Gender::Male => p::Gender::M,
        Gender::Female => p::Gender::F,
    }
}

fn gender_of(g: p::Gender) -> Gender {
    match g {
        p::Gender::M => Gender::Male,
        p::Gender::F => Gender::Female,
    }
}

fn package_option(o: WithdrawalOption) -> p::WithdrawalOption {
    match o {
        WithdrawalOption::End => p::WithdrawalOption::End,
        WithdrawalOption::LumpSum => p::WithdrawalOption::LumpSum,
        WithdrawalOption::BankTransfer => p::WithdrawalOption::BankTransfer,
    }
}

fn option_of(o: p::WithdrawalOption) -> WithdrawalOption {
    match o {
        p::WithdrawalOption::End => WithdrawalOption::End,
        p::WithdrawalOption::LumpSum => WithdrawalOption::LumpSum,
        p::WithdrawalOption::BankTransfer => WithdrawalOption::BankTransfer,
    }
}

fn opt_text(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A member of the ledger: its stored row and package document.
struct Current {
    row: MemberRow,
    doc: p::Member,
    /// The office after every recorded transfer (what the roster shows).
    latest_office: String,
}

/// A member as the load leaves it.
struct MemberOut {
    doc: p::Member,
    /// `(base_month, transfers)` of the stored row to write, `None` when unchanged.
    write: Option<(String, String)>,
    added: bool,
}

/// The coverage cells of one enrollment after the load.
struct Coverage {
    start: YearMonth,
    end: Option<YearMonth>,
    withdrawal: Option<(YearMonth, WithdrawalOption)>,
}

struct Load<'a> {
    roster: &'a Roster,
    month: YearMonth,
    anniversary: u32,
    offices: HashSet<String>,
    products: HashMap<String, p::GroupProduct>,
    enrollments: HashMap<String, p::Enrollment>,
    problems: Vec<Problem>,
}

impl Load<'_> {
    fn problem(&mut self, row: usize, field: &'static str, code: &'static str, value: &str, expected: String) {
        let mut p = Problem::new(code, expected)
            .at_row(row)
            .in_column(self.roster.header(field));
        if !value.is_empty() {
            p = p.with_value(value);
        }
        self.problems.push(p);
    }

    /// [`r::member_value`], a disagreement recorded as a problem (F4007).
    fn resolve(
        &mut self,
        rows: &[&RosterRow],
        field: &'static str,
        value: impl Fn(&RosterRow) -> String,
        current: Option<&str>,
    ) -> Option<String> {
        r::member_value(rows, field, value, current).unwrap_or_else(|d| {
            self.problem(d.row, field, code::MEMBER_DISAGREES, &d.value, d.message);
            None
        })
    }

    fn known_office(&mut self, row: usize, office: &str) -> bool {
        if self.offices.contains(office) {
            return true;
        }
        let mut known: Vec<&str> = self.offices.iter().map(String::as_str).collect();
        known.sort_unstable();
        let msg = format!("団体にない事業所コードです（事業所: {}）", known.join("、"));
        self.problem(row, r::OFFICE, code::UNKNOWN_REFERENCE, office, msg);
        false
    }

    /// A member already in the ledger: its roster fields as the rows give them.
    fn update_member(&mut self, cur: &Current, rows: &[&RosterRow]) -> Option<MemberOut> {
        let before = self.problems.len();
        let birth = NaiveDate::parse_from_str(&cur.doc.birth_date, "%Y-%m-%d").ok();
        let gender = gender_of(cur.doc.gender);
        for row in rows {
            if birth.is_some_and(|b| b != row.member.birth_date) {
                let msg = format!(
                    "生年月日は名簿では変更できません（台帳は{}。訂正は請求パッケージの読込みで）",
                    cur.doc.birth_date
                );
                self.problem(
                    row.row,
                    r::BIRTH_DATE,
                    code::NOT_CHANGEABLE,
                    &row.member.birth_date.to_string(),
                    msg,
                );
            }
            if row.member.gender != gender {
                let msg = format!(
                    "性別は名簿では変更できません（台帳は{}。訂正は請求パッケージの読込みで）",
                    r::gender_label(gender)
                );
                self.problem(
                    row.row,
                    r::GENDER,
                    code::NOT_CHANGEABLE,
                    r::gender_label(row.member.gender),
                    msg,
                );
            }
        }
        let mut doc = cur.doc.clone();
        // A text column: the new value when the file has the column and it differs (width
        // folded) from the ledger's; an emptied cell clears it.
        let text = |cx: &mut Self, field: &'static str, get: fn(&RosterRow) -> &str, cur: &str| -> Option<String> {
            if !cx.roster.has(field) {
                return None;
            }
            let cur = normalize(cur);
            cx.resolve(rows, field, |r| normalize(get(r)), Some(&cur))
                .filter(|v| *v != cur)
        };
        if let Some(v) = text(self, r::NAME, |r| &r.member.name, &cur.doc.name) {
            doc.name = v;
        }
        if let Some(v) = text(self, r::NAME_KANA, |r| &r.member.name_kana, &cur.doc.name_kana) {
            doc.name_kana = v;
        }
        let old = |o: &Option<String>| o.clone().unwrap_or_default();
        if let Some(v) = text(self, r::EMAIL, |r| &r.member.email, &old(&cur.doc.email)) {
            doc.email = opt_text(v);
        }
        if let Some(v) = text(
            self,
            r::POSTAL_CODE,
            |r| &r.member.postal_code,
            &old(&cur.doc.postal_code),
        ) {
            doc.postal_code = opt_text(v);
        }
        if let Some(v) = text(self, r::ADDRESS, |r| &r.member.address, &old(&cur.doc.address)) {
            doc.address = opt_text(v);
        }
        if self.roster.has(r::STATUS) {
            let now = status_of(cur.doc.status).label();
            if let Some(v) = self.resolve(rows, r::STATUS, |r| r.member.status.label().to_owned(), Some(now)) {
                let status = r::status_from_label(&v);
                if status != status_of(cur.doc.status) {
                    doc.status = package_status(status);
                    if status != MemberStatus::Retired {
                        doc.retired_on = None;
                    }
                }
            }
        }
        let mut transfers = cur.row.transfers.clone();
        let mut base_month = cur.row.base_month.clone();
        let latest = cur.latest_office.clone();
        if let Some(office) = self.resolve(rows, r::OFFICE, |r| r.member.office.clone(), Some(&latest)) {
            if office != latest {
                let row = rows.iter().find(|r| r.member.office == office).map_or(0, |r| r.row);
                if self.known_office(row, &office) {
                    // The roster's office holds from the current month; transfers recorded for
                    // later months give way to it.
                    doc.office = office;
                    transfers = "[]".into();
                    base_month = self.month.to_string();
                }
            }
        }
        if self.problems.len() > before {
            return None;
        }
        let changed = doc != cur.doc || transfers != cur.row.transfers;
        let write = changed.then_some((base_month, transfers));
        Some(MemberOut {
            doc,
            write,
            added: false,
        })
    }

    /// A member not in the ledger, from its rows.
    fn add_member(&mut self, rows: &[&RosterRow]) -> Option<MemberOut> {
        let first = rows[0];
        let (cells, disagreements) = r::new_member_cells(rows);
        for d in disagreements {
            self.problem(d.row, d.field, code::MEMBER_DISAGREES, &d.value, d.message);
        }
        let r::NewMemberCells {
            name,
            name_kana,
            email,
            postal_code,
            address,
            office,
            birth_date: birth,
            gender,
            status,
        } = cells;
        let office = office?;
        if !self.known_office(first.row, &office) {
            return None;
        }
        let (name, birth, gender, status) = (name?, birth?, gender?, status?);
        let gender = rows
            .iter()
            .map(|r| r.member.gender)
            .find(|g| r::gender_label(*g) == gender)?;
        let doc = p::Member {
            employee_no: first.member.employee_no.clone(),
            name,
            name_kana: name_kana.unwrap_or_default(),
            birth_date: birth,
            gender: package_gender(gender),
            office,
            status: package_status(r::status_from_label(&status)),
            retired_on: None,
            dependents: Vec::new(),
            bank_account: None,
            email: email.and_then(opt_text),
            postal_code: postal_code.and_then(opt_text),
            address: address.and_then(opt_text),
        };
        Some(MemberOut {
            doc,
            write: Some((self.month.to_string(), "[]".into())),
            added: true,
        })
    }

    /// The plan exists in the product (and the product in the group).
    fn known_plan(&mut self, row: usize, product: &str, plan: &str) -> bool {
        match self.products.get(product) {
            None => {
                let mut known: Vec<&str> = self.products.keys().map(String::as_str).collect();
                known.sort_unstable();
                let msg = format!("団体の取扱商品にない商品コードです（取扱商品: {}）", known.join("、"));
                self.problem(row, r::PRODUCT, code::UNKNOWN_REFERENCE, product, msg);
                false
            }
            Some(gp) if !gp.plans.iter().any(|x| x.code == plan) => {
                let plans: Vec<&str> = gp.plans.iter().map(|x| x.code.as_str()).collect();
                let msg = format!(
                    "{}（{}）にないプランです（プラン: {}）",
                    gp.name,
                    gp.code,
                    plans.join("、")
                );
                self.problem(row, r::PLAN, code::UNKNOWN_REFERENCE, plan, msg);
                false
            }
            Some(_) => true,
        }
    }

    /// The insured person of a new enrollment: 本人, or the member's one dependent of that
    /// relation (narrowed by 被保険者氏名 and 被保険者生年月日).
    fn insured(&mut self, m: &p::Member, row: usize, e: &RosterEnrollment) -> Option<String> {
        if e.insured == InsuredKind::Member {
            return Some(INSURED_SELF.to_owned());
        }
        let kind = e.insured;
        let candidates: Vec<&str> = m
            .dependents
            .iter()
            .filter(|d| {
                let rel = match d.relation {
                    p::Relation::Spouse => InsuredKind::Spouse,
                    p::Relation::Child => InsuredKind::Child,
                };
                rel == kind
            })
            .filter(|d| normalize(&e.insured_name).is_empty() || normalize(&d.name) == normalize(&e.insured_name))
            .filter(|d| e.insured_birth_date.is_none_or(|b| b.to_string() == d.birth_date))
            .map(|d| d.id.as_str())
            .collect();
        match candidates.as_slice() {
            [id] => Some((*id).to_owned()),
            [] => {
                let msg = format!(
                    "社員番号{}の{}「{}」は台帳に登録されていません（被扶養者は請求パッケージの読込みで登録してください）",
                    m.employee_no,
                    kind.label(),
                    e.insured_name
                );
                self.problem(row, r::INSURED_NAME, code::UNKNOWN_REFERENCE, &e.insured_name, msg);
                None
            }
            _ => {
                let msg = format!(
                    "社員番号{}の{}が複数います。被保険者氏名と被保険者生年月日で指定してください",
                    m.employee_no,
                    kind.label()
                );
                self.problem(row, r::INSURED_NAME, code::UNKNOWN_REFERENCE, &e.insured_name, msg);
                None
            }
        }
    }

    /// Checks coverage months and completes the withdrawal: 脱退月 without 脱退時の選択 is 終了;
    /// 終了 ends coverage with 脱退月, 一括精算 at the end of the policy year (as the domain's
    /// withdrawal does) unless 加入終了月 says otherwise.
    fn coverage(
        &mut self,
        row: usize,
        start: YearMonth,
        end: Option<YearMonth>,
        wm: Option<YearMonth>,
        opt: Option<WithdrawalOption>,
    ) -> Option<Coverage> {
        let Some(wm) = wm else {
            if let Some(o) = opt {
                self.problem(
                    row,
                    r::WITHDRAWAL_OPTION,
                    code::CONFLICT,
                    option_label(o),
                    "脱退時の選択には脱退月が必要です".into(),
                );
                return None;
            }
            if let Some(en) = end.filter(|en| *en < start) {
                let msg = format!("加入終了月が加入開始月（{start}）より前です");
                self.problem(row, r::END_MONTH, code::CONFLICT, &en.to_string(), msg);
                return None;
            }
            return Some(Coverage {
                start,
                end,
                withdrawal: None,
            });
        };
        let option = opt.unwrap_or_default();
        let end = match (option, end) {
            (WithdrawalOption::End, None) => Some(wm),
            (WithdrawalOption::End, Some(en)) if en != wm => {
                let msg = format!("脱退時の選択が終了のときは脱退月と加入終了月（{en}）を同じ月にしてください");
                self.problem(row, r::WITHDRAWAL_MONTH, code::CONFLICT, &wm.to_string(), msg);
                return None;
            }
            (WithdrawalOption::LumpSum, None) => Some(PolicyYear::containing(wm, self.anniversary).last()),
            (_, end) => end,
        };
        if let Some(en) = end.filter(|en| *en < start) {
            let msg = format!("加入終了月が加入開始月（{start}）より前です");
            self.problem(row, r::END_MONTH, code::CONFLICT, &en.to_string(), msg);
            return None;
        }
        if wm < start || end.is_some_and(|en| wm > en) {
            let msg = format!(
                "脱退月は加入開始月（{start}）から加入終了月（{}）までの月です",
                end.map(|m| m.to_string()).unwrap_or_default()
            );
            self.problem(row, r::WITHDRAWAL_MONTH, code::CONFLICT, &wm.to_string(), msg);
            return None;
        }
        Some(Coverage {
            start,
            end,
            withdrawal: Some((wm, option)),
        })
    }

    /// The enrollment a row gives (and whether it is new), or `None` with problems.
    fn enrollment(&mut self, m: &p::Member, row: &RosterRow, e: &RosterEnrollment) -> Option<(p::Enrollment, bool)> {
        let no = &m.employee_no;
        let before = self.problems.len();
        let (id, made_insured) = if e.id.is_empty() {
            // A new enrollment: its id from the month, member, product and insured person, so
            // loading the same file again in the same month finds it instead of adding another.
            if !self.known_plan(row.row, &e.product, &e.plan) {
                return None;
            }
            let insured = self.insured(m, row.row, e)?;
            let id = format!("S{}-R{no}-{}-{insured}", r::yyyymm(self.month), e.product);
            (id, Some(insured))
        } else {
            (e.id.clone(), None)
        };
        let has = |f: &str| self.roster.has(f);
        let (has_start, has_end, has_wm, has_opt, has_kind) = (
            has(r::START_MONTH),
            has(r::END_MONTH),
            has(r::WITHDRAWAL_MONTH),
            has(r::WITHDRAWAL_OPTION),
            has(r::INSURED_KIND),
        );
        let Some(cur) = self.enrollments.get(&id).cloned() else {
            // Not in the ledger: added, with the id the file gives (or the one made above).
            let insured = match made_insured {
                Some(i) => i,
                None => {
                    if !self.known_plan(row.row, &e.product, &e.plan) {
                        return None;
                    }
                    self.insured(m, row.row, e)?
                }
            };
            let start = e.start_month.unwrap_or(self.month);
            let c = self.coverage(row.row, start, e.end_month, e.withdrawal_month, e.withdrawal_option)?;
            return Some((enrollment_doc(&id, no, &insured, &e.product, e, &c), true));
        };
        if cur.employee_no != *no {
            let msg = format!("加入ID「{id}」は社員番号{}の加入です", cur.employee_no);
            self.problem(row.row, r::ENROLLMENT_ID, code::NOT_CHANGEABLE, &e.id, msg);
            return None;
        }
        if e.product != cur.product {
            let msg = format!(
                "加入の商品は変更できません（{}）。別の商品は加入IDを空欄にした新しい行で",
                cur.product
            );
            self.problem(row.row, r::PRODUCT, code::NOT_CHANGEABLE, &e.product, msg);
        }
        if has_kind {
            let kind = if cur.insured == INSURED_SELF {
                Some(InsuredKind::Member)
            } else {
                m.dependents
                    .iter()
                    .find(|d| d.id == cur.insured)
                    .map(|d| match d.relation {
                        p::Relation::Spouse => InsuredKind::Spouse,
                        p::Relation::Child => InsuredKind::Child,
                    })
            };
            if let Some(k) = kind.filter(|k| *k != e.insured) {
                let msg = format!(
                    "被保険者区分は変更できません（{}。別の人の加入は加入IDを空欄にした新しい行で）",
                    k.label()
                );
                self.problem(row.row, r::INSURED_KIND, code::NOT_CHANGEABLE, e.insured.label(), msg);
            }
        }
        if self.problems.len() > before || !self.known_plan(row.row, &cur.product, &e.plan) {
            return None;
        }
        // Stored months are valid (packages are checked when loaded).
        let cur_start = month_of(&cur.start_month)?;
        let cur_end = cur.end_month.as_deref().and_then(month_of);
        let cur_wm = cur.withdrawal_month.as_deref().and_then(month_of);
        let cur_opt = cur.withdrawal_option.map(option_of);
        let start = if has_start {
            e.start_month.unwrap_or(cur_start)
        } else {
            cur_start
        };
        let end = if has_end { e.end_month } else { cur_end };
        let mut wm = if has_wm { e.withdrawal_month } else { cur_wm };
        let mut opt = if has_opt { e.withdrawal_option } else { cur_opt };
        // A 終了 withdrawal is its end month (the roster of a package shows only 加入終了月): a
        // row without 脱退月 keeps it while 加入終了月 is unchanged.
        if wm.is_none() && opt.is_none() && cur_opt == Some(WithdrawalOption::End) && end == cur_end {
            wm = cur_wm;
            opt = cur_opt;
        }
        let doc = if (start, end, wm, opt) == (cur_start, cur_end, cur_wm, cur_opt) {
            // Coverage as it is (also a form the checks below would not write, as a loaded
            // package may have it).
            p::Enrollment {
                plan: e.plan.clone(),
                units: e.units,
                ..cur
            }
        } else {
            let c = self.coverage(row.row, start, end, wm, opt)?;
            enrollment_doc(&id, no, &cur.insured, &cur.product, e, &c)
        };
        Some((doc, false))
    }
}

fn enrollment_doc(
    id: &str,
    no: &str,
    insured: &str,
    product: &str,
    e: &RosterEnrollment,
    c: &Coverage,
) -> p::Enrollment {
    p::Enrollment {
        id: id.to_owned(),
        employee_no: no.to_owned(),
        insured: insured.to_owned(),
        product: product.to_owned(),
        plan: e.plan.clone(),
        units: e.units,
        start_month: c.start.to_string(),
        end_month: c.end.map(|m| m.to_string()),
        withdrawal_option: c.withdrawal.map(|(_, o)| package_option(o)),
        withdrawal_month: c.withdrawal.map(|(m, _)| m.to_string()),
    }
}

/// Load the roster into the group's ledger, in the caller's transaction (roll it back on `Err`).
/// `Err` with 422 `invalid_roster` when the file has problems. The group's revision (and so the
/// package version) changes only when the ledger does.
pub fn load_roster(
    tx: &dyn LedgerTx,
    group: &GroupRow,
    roster: &Roster,
    at: &str,
    today: &str,
    actor: &str,
) -> Result<RosterLoad, ApiError> {
    let code = group.code.as_str();
    let month: YearMonth = group
        .current_month
        .parse()
        .map_err(|_| internal(format!("stored month {:?}", group.current_month)))?;
    let g: p::Group = from_json(&group.doc, "group")?;
    let offices: HashSet<String> = tx.srv_offices(code)?.into_iter().map(|(c, _)| c).collect();
    let products = tx
        .srv_products(code)?
        .iter()
        .map(|(c, doc)| Ok((c.clone(), from_json::<p::GroupProduct>(doc, "group product")?)))
        .collect::<Result<HashMap<_, _>, ApiError>>()?;
    let enrollments = tx
        .srv_enrollments(code)?
        .iter()
        .map(|(id, doc)| Ok((id.clone(), from_json::<p::Enrollment>(doc, "enrollment")?)))
        .collect::<Result<HashMap<_, _>, ApiError>>()?;
    let mut members: HashMap<String, Current> = HashMap::new();
    for row in tx.srv_members(code)? {
        let doc: p::Member = from_json(&row.doc, "member")?;
        let transfers: Vec<(String, String)> = from_json(&row.transfers, "transfers")?;
        let latest_office = transfers.last().map_or_else(|| doc.office.clone(), |(_, o)| o.clone());
        members.insert(
            row.employee_no.clone(),
            Current {
                row,
                doc,
                latest_office,
            },
        );
    }
    let mut cx = Load {
        roster,
        month,
        anniversary: g.settings.policy_anniversary_month,
        offices,
        products,
        enrollments,
        problems: Vec::new(),
    };

    let mut member_writes: Vec<(MemberRow, bool)> = Vec::new();
    let mut enrollment_writes: Vec<(p::Enrollment, bool, usize)> = Vec::new();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (no, rows) in roster.by_member() {
        let rows = rows.as_slice();
        let out = match members.get(no) {
            Some(cur) => cx.update_member(cur, rows),
            None => cx.add_member(rows),
        };
        let Some(out) = out else {
            continue;
        };
        for row in rows {
            let Some(e) = &row.enrollment else {
                continue;
            };
            let Some((doc, added)) = cx.enrollment(&out.doc, row, e) else {
                continue;
            };
            if let Some(first) = ids.get(&doc.id) {
                let msg = format!(
                    "加入「{}」が{first}行目と{}行目の2か所にあります（同じ社員・商品・被保険者の新しい加入は1行にしてください）",
                    doc.id, row.row
                );
                let value = e.id.clone();
                cx.problem(row.row, r::ENROLLMENT_ID, code::DUPLICATE_ENROLLMENT, &value, msg);
                continue;
            }
            ids.insert(doc.id.clone(), row.row);
            let changed = cx.enrollments.get(&doc.id) != Some(&doc);
            if changed {
                enrollment_writes.push((doc, added, row.row));
            }
        }
        if let Some((base_month, transfers)) = out.write {
            let row = MemberRow {
                employee_no: out.doc.employee_no.clone(),
                base_month,
                doc: to_json(&out.doc)?,
                transfers,
            };
            member_writes.push((row, out.added));
        }
    }
    if !cx.problems.is_empty() {
        cx.problems.sort_by_key(|p| p.row);
        return Err(refused(&FileError::new(&roster.file, cx.problems)));
    }

    let count = |v: &[(MemberRow, bool)], added: bool| v.iter().filter(|(_, a)| *a == added).count();
    let counted = |v: &[(p::Enrollment, bool, usize)], added: bool| v.iter().filter(|(_, a, _)| *a == added).count();
    let mut load = RosterLoad {
        group: code.to_owned(),
        month: group.current_month.clone(),
        changed: !member_writes.is_empty() || !enrollment_writes.is_empty(),
        rows: roster.rows.len(),
        members_added: count(&member_writes, true),
        members_updated: count(&member_writes, false),
        enrollments_added: counted(&enrollment_writes, true),
        enrollments_updated: counted(&enrollment_writes, false),
        unknown_columns: roster.unknown_columns.clone(),
    };
    let mut version = None;
    if load.changed {
        let mut next = tx.srv_next_seq("srv_members", code)?;
        for (row, added) in &member_writes {
            tx.srv_put_member(code, row, next)?;
            if *added {
                next += 1;
            }
        }
        let mut next = tx.srv_next_seq("srv_enrollments", code)?;
        for (doc, added, _) in &enrollment_writes {
            tx.srv_put_enrollment(code, &doc.id, &to_json(doc)?, next)?;
            if *added {
                next += 1;
            }
        }
        // Same month; the revision and `issued_on` move on, and with them the package version.
        tx.srv_advance_group(code, &group.current_month, today, at)?;
        let after = tx
            .srv_group(code)?
            .ok_or_else(|| internal("group vanished while loading a roster"))?;
        let built = ledger::build_package(tx, &after)?;
        check_result(&built, &enrollment_writes, roster)?;
        version = Some(built.version.clone());
    }
    load.changed = version.is_some();
    let detail = serde_json::to_value(&load).map_err(internal)?;
    tx.audit(&Audit {
        at,
        group_code: Some(code),
        month: Some(month),
        action: "server.roster.load",
        entity: Some("group"),
        key: Some(code),
        after: version.as_deref(),
        source: Some(actor),
        detail: Some(&detail.to_string()),
        ..Audit::default()
    })?;
    Ok(load)
}

/// The package the load leads to must read (a safety net: the checks above should have caught
/// everything) and every enrollment the file touched must have a premium for the month (a rate
/// for the insured person's age and gender), else the file is refused.
fn check_result(
    built: &ledger::Built,
    written: &[(p::Enrollment, bool, usize)],
    roster: &Roster,
) -> Result<(), ApiError> {
    let mut pkg = built.package.clone();
    pkg.billed = built.billed.clone();
    if let Err(e) = p::validate_package("ledger", &pkg) {
        return Err(ApiError::unprocessable(
            "invalid_roster",
            format!(
                "この名簿を取り込むと台帳が請求パッケージとして成り立ちません: {}",
                e.lines().first().cloned().unwrap_or_default()
            ),
        )
        .with(
            "problems",
            Value::Array(
                e.lines()
                    .into_iter()
                    .take(1000)
                    .map(|l| json!({"expected": l}))
                    .collect(),
            ),
        ));
    }
    let ledger = infoone_formats::ledger::to_ledger(&pkg, &[]);
    let mut problems = Vec::new();
    for (doc, _, row) in written {
        let Some(e) = ledger.enrollments.get(&doc.id) else {
            continue;
        };
        if let MonthlyPremium::Error(f) = monthly_premium(&ledger, e, ledger.month) {
            problems.push(
                Problem::new(code::UNKNOWN_REFERENCE, f.message)
                    .at_row(*row)
                    .in_column(roster.header(r::PLAN))
                    .with_value(&doc.plan),
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(refused(&FileError::new(&roster.file, problems)))
    }
}
