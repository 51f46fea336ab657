//! The Excel roster (加入者名簿): export members with enrollments; import a roster back as
//! proposed changes, reviewed like HR changes (docs/OUTPUTS.md "Roster").
//!
//! Export reads the month's current ledger (the package with the accepted changes), in any state,
//! so the clerk can export, edit in Excel and import while the month is open.
//!
//! Import compares every row with the ledger and proposes, in this order:
//! - 入社 (hire) for an employee number the ledger does not have;
//! - 変更 (update) when 氏名, 氏名カナ, メールアドレス, 郵便番号 or 住所 differ (width-folded
//!   comparison; an emptied cell clears the value: the roster is the clerk's own copy);
//! - 在籍区分 between 在籍 and 休職;
//! - 事業所異動 when 事業所コード differs from the member's latest office, dated the 1st of the
//!   billing month (as HR data without 異動日);
//! - プラン変更 when プラン or 口数 of an enrollment differ, dated the 1st of the month before the
//!   billing month, so the cutoff rule (DOMAIN.md §2) makes it effective in the billing month;
//! - 脱退 when 脱退月 or 加入終了月 is filled in on an open enrollment: withdrawal on the last day
//!   of 脱退月 (else 加入終了月), option from 脱退時の選択 (default 終了);
//! - 加入 for a row with a product and no 加入ID, applied on the 1st of the month before its
//!   加入開始月 (blank: the billing month), so it starts in that month.
//!
//! Proposals go through `propose` (same review and idempotence as HR changes). Members or
//! enrollments missing from the file are left alone (a roster may be filtered). Values the roster
//! cannot change (生年月日, 性別, 被保険者区分, 商品コード, 加入開始月, anything of an ended
//! enrollment) and unknown codes refuse the whole file with positioned problems; nothing changes.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use infoone_domain::change::Change;
use infoone_domain::ledger::{Enrollment, Insured, Ledger, Member, MemberStatus, WithdrawalOption};
use infoone_domain::month::YearMonth;
use infoone_formats::error::{FileError, Problem};
use infoone_formats::roster::{
    self as r, code, latest_office, option_label, read_roster, InsuredKind, Roster, RosterRow,
};
use infoone_formats::table::file_name;
use infoone_formats::text::normalize;
use infoone_store::{Audit, Store};

use super::{out_file, ExportSummary};
use crate::{current_ledger, find_month, propose, require_open, stamp, AppError, ErrorCode, MonthRef, Result};

/// Write the roster of the month's current ledger to `out/roster-GROUP-YYYY-MM.xlsx`.
pub fn export_roster(store: &mut Store, at: &MonthRef, out: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    let (row, ledger) = store.read(|tx| {
        let row = find_month(tx, at)?;
        let (_, ledger) = current_ledger(tx, &row)?;
        Ok::<_, AppError>((row, ledger))
    })?;
    let path = out_file(out, &format!("roster-{}-{}.xlsx", row.group_code, row.month))?;
    let n = r::write_roster(&ledger, &path).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("{}: 名簿を書き出せません（{e}）", path.display()),
        )
    })?;
    Ok(ExportSummary {
        kind: "roster".into(),
        files: vec![path.display().to_string()],
        records: n,
        notes: Vec::new(),
    })
}

/// Import a roster (xlsx; also xls or csv in the same layout): its differences with the month's
/// ledger become proposed changes. `records` is the number of changes proposed; `notes` give
/// them per kind.
pub fn import_roster(store: &mut Store, at: &MonthRef, file: &Path, now: NaiveDateTime) -> Result<ExportSummary> {
    let roster = read_roster(file)?;
    let name = file_name(file);
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        let (_, ledger) = current_ledger(tx, &row)?;
        let proposals = compare(&ledger, &roster)?;
        let mut existing = crate::existing_payloads(tx, &row)?;
        let mut by_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut proposed = 0;
        for p in &proposals {
            if propose(tx, &row, &ledger, &p.change, &name, &stamp, &mut existing)? {
                proposed += 1;
                *by_kind.entry(kind_label(&p.change)).or_default() += 1;
                tx.audit(&Audit {
                    at: &stamp,
                    group_code: Some(&row.group_code),
                    month: Some(row.month),
                    action: "change.propose",
                    entity: Some(p.change.kind()),
                    key: p.change.employee_no(&ledger),
                    source: Some(&name),
                    detail: Some(&format!("{}行目 {}", p.row, p.original)),
                    ..Audit::default()
                })?;
            }
        }
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "roster.import",
            source: Some(&name),
            detail: Some(&format!("rows={} proposed={proposed}", roster.rows.len())),
            ..Audit::default()
        })?;
        let mut notes: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}件")).collect();
        if proposed == 0 {
            notes.push("名簿と台帳に違いはありません（提案した変更はありません）".into());
        }
        if !roster.unknown_columns.is_empty() {
            notes.push(format!("使わなかった列: {}", roster.unknown_columns.join("、")));
        }
        Ok(ExportSummary {
            kind: "roster_import".into(),
            files: vec![name.clone()],
            records: proposed,
            notes,
        })
    })
}

fn kind_label(c: &Change) -> &'static str {
    match c {
        Change::Join { .. } => "加入",
        Change::Withdrawal { .. } => "脱退",
        Change::Retirement { .. } => "退職",
        Change::Transfer { .. } => "事業所異動",
        Change::PlanChange { .. } => "プラン変更",
        Change::Update { .. } => "氏名・住所等の変更",
        Change::Hire { .. } => "入社",
        Change::Status { .. } => "在籍区分の変更",
        Change::BankTransferSwitch { .. } => "口座振替切替",
    }
}

/// A change found on a row, with the row's cells for the audit log.
struct Proposal {
    row: usize,
    change: Change,
    original: String,
}

/// The order proposals are recorded in: a hire before its joins, a plan change before a
/// withdrawal elsewhere, and so on.
fn rank(c: &Change) -> u8 {
    match c {
        Change::Hire { .. } => 0,
        Change::Update { .. } => 1,
        Change::Status { .. } => 2,
        Change::Transfer { .. } => 3,
        Change::PlanChange { .. } => 4,
        Change::Withdrawal { .. } | Change::Retirement { .. } => 5,
        Change::Join { .. } | Change::BankTransferSwitch { .. } => 6,
    }
}

/// Compares the roster with the ledger: the proposals in recording order, or every problem.
fn compare(ledger: &Ledger, roster: &Roster) -> Result<Vec<Proposal>, FileError> {
    let mut cx = Compare {
        ledger,
        roster,
        problems: Vec::new(),
        out: Vec::new(),
    };
    for (no, rows) in roster.by_member() {
        let rows = rows.as_slice();
        let member = ledger.members.get(no);
        let hire = match member {
            Some(m) => {
                cx.member_changes(m, rows);
                None
            }
            None => cx.hire(rows),
        };
        let member = member.or(hire.as_ref());
        for row in rows {
            if let Some(e) = &row.enrollment {
                cx.enrollment_changes(member, row, e);
            }
        }
    }
    if !cx.problems.is_empty() {
        cx.problems.sort_by_key(|p| p.row);
        return Err(FileError::new(&roster.file, cx.problems));
    }
    cx.out.sort_by_key(|p| rank(&p.change));
    Ok(cx.out)
}

struct Compare<'a> {
    ledger: &'a Ledger,
    roster: &'a Roster,
    problems: Vec<Problem>,
    out: Vec<Proposal>,
}

fn same(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

fn insured_kind(m: &Member, insured: &Insured) -> Option<InsuredKind> {
    match insured {
        Insured::Member => Some(InsuredKind::Member),
        Insured::Dependent(id) => m
            .dependents
            .iter()
            .find(|d| &d.id == id)
            .map(|d| InsuredKind::of_relation(d.relation)),
    }
}

impl Compare<'_> {
    fn problem(&mut self, row: usize, field: &'static str, code: &'static str, value: &str, expected: String) {
        let mut p = Problem::new(code, expected)
            .at_row(row)
            .in_column(self.roster.header(field));
        if !value.is_empty() {
            p = p.with_value(value);
        }
        self.problems.push(p);
    }

    fn push(&mut self, row: &RosterRow, change: Change) {
        let original = original(row);
        self.out.push(Proposal {
            row: row.row,
            change,
            original,
        });
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

    fn member_changes(&mut self, m: &Member, rows: &[&RosterRow]) {
        let month = self.ledger.month;
        for row in rows {
            if row.member.birth_date != m.birth_date {
                let msg = format!(
                    "生年月日は名簿では変更できません（台帳は{}。訂正は保険会社に連絡してください）",
                    m.birth_date
                );
                self.problem(
                    row.row,
                    r::BIRTH_DATE,
                    code::NOT_CHANGEABLE,
                    &row.member.birth_date.to_string(),
                    msg,
                );
            }
            if row.member.gender != m.gender {
                let msg = format!(
                    "性別は名簿では変更できません（台帳は{}。訂正は保険会社に連絡してください）",
                    r::gender_label(m.gender)
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
        let first = rows[0];
        let text_field =
            |cx: &mut Self, field: &'static str, get: fn(&RosterRow) -> &str, cur: &str| -> Option<String> {
                if !cx.roster.has(field) {
                    return None;
                }
                let cur = normalize(cur);
                cx.resolve(rows, field, |r| normalize(get(r)), Some(&cur))
                    .filter(|v| *v != cur)
            };
        let name = text_field(self, r::NAME, |r| &r.member.name, &m.name);
        let name_kana = text_field(self, r::NAME_KANA, |r| &r.member.name_kana, &m.name_kana);
        let email = text_field(self, r::EMAIL, |r| &r.member.email, &m.email);
        let postal_code = text_field(self, r::POSTAL_CODE, |r| &r.member.postal_code, &m.postal_code);
        let address = text_field(self, r::ADDRESS, |r| &r.member.address, &m.address);
        if name.is_some() || name_kana.is_some() || email.is_some() || postal_code.is_some() || address.is_some() {
            let row = rows.iter().find(|r| !same(&r.member.name, &m.name)).unwrap_or(&first);
            self.push(
                row,
                Change::Update {
                    employee_no: m.employee_no.clone(),
                    name,
                    name_kana,
                    email,
                    postal_code,
                    address,
                },
            );
        }
        if self.roster.has(r::STATUS) {
            let cur = m.status.label();
            if let Some(v) = self.resolve(rows, r::STATUS, |r| r.member.status.label().to_owned(), Some(cur)) {
                let status = r::status_from_label(&v);
                if status != m.status {
                    let row = rows.iter().find(|r| r.member.status == status).unwrap_or(&first);
                    if status == MemberStatus::Retired || m.status == MemberStatus::Retired {
                        let msg = format!(
                            "在籍区分を{}から{}には名簿では変えられません（退職は人事データの取込みか、加入終了月の入力で）",
                            m.status.label(),
                            status.label()
                        );
                        self.problem(row.row, r::STATUS, code::NOT_CHANGEABLE, status.label(), msg);
                    } else {
                        self.push(
                            row,
                            Change::Status {
                                employee_no: m.employee_no.clone(),
                                status,
                            },
                        );
                    }
                }
            }
        }
        let cur = latest_office(m).to_owned();
        if let Some(office) = self.resolve(rows, r::OFFICE, |r| r.member.office.clone(), Some(&cur)) {
            if office != cur {
                let row = rows.iter().find(|r| r.member.office == office).unwrap_or(&first);
                if self.known_office(row, &office) {
                    self.push(
                        row,
                        Change::Transfer {
                            employee_no: m.employee_no.clone(),
                            office,
                            date: month.first_day(),
                        },
                    );
                }
            }
        }
    }

    fn known_office(&mut self, row: &RosterRow, office: &str) -> bool {
        if self.ledger.offices.contains_key(office) {
            return true;
        }
        let known: Vec<&str> = self.ledger.offices.keys().map(String::as_str).collect();
        let known = if known.len() > 10 {
            format!("{}、ほか{}件", known[..10].join("、"), known.len() - 10)
        } else {
            known.join("、")
        };
        self.problem(
            row.row,
            r::OFFICE,
            code::UNKNOWN_REFERENCE,
            office,
            format!("台帳にない事業所コードです（登録済み: {known}）"),
        );
        false
    }

    /// A new employee: proposed as a hire (no enrollment; the rows' enrollments follow as joins).
    fn hire(&mut self, rows: &[&RosterRow]) -> Option<Member> {
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
        if status.as_deref() == Some(MemberStatus::Retired.label()) {
            let msg = format!(
                "台帳にない社員番号{}を退職者として登録することはできません",
                first.member.employee_no
            );
            self.problem(
                first.row,
                r::STATUS,
                code::NOT_CHANGEABLE,
                MemberStatus::Retired.label(),
                msg,
            );
            return None;
        }
        let office = office?;
        if !self.known_office(first, &office) {
            return None;
        }
        let (name, birth, gender, status) = (name?, birth?, gender?, status?);
        let member = Member {
            employee_no: first.member.employee_no.clone(),
            name,
            name_kana: name_kana.unwrap_or_default(),
            birth_date: rows
                .iter()
                .map(|r| r.member.birth_date)
                .find(|d| d.to_string() == birth)?,
            gender: rows
                .iter()
                .map(|r| r.member.gender)
                .find(|g| r::gender_label(*g) == gender)?,
            office,
            transfers: Vec::new(),
            status: r::status_from_label(&status),
            retired_on: None,
            dependents: Vec::new(),
            email: email.unwrap_or_default(),
            postal_code: postal_code.unwrap_or_default(),
            address: address.unwrap_or_default(),
            bank_account: None,
        };
        self.push(
            first,
            Change::Hire {
                member: Box::new(member.clone()),
            },
        );
        Some(member)
    }

    fn enrollment_changes(&mut self, member: Option<&Member>, row: &RosterRow, e: &r::RosterEnrollment) {
        if e.id.is_empty() {
            if let Some(m) = member {
                self.join(m, row, e);
            }
            return;
        }
        let Some(cur) = self.ledger.enrollments.get(&e.id) else {
            self.problem(
                row.row,
                r::ENROLLMENT_ID,
                code::UNKNOWN_ENROLLMENT,
                &e.id,
                "台帳にない加入IDです（新しい加入は加入IDを空欄にしてください）".into(),
            );
            return;
        };
        if cur.employee_no != row.member.employee_no {
            let msg = format!("加入ID「{}」は社員番号{}の加入です", e.id, cur.employee_no);
            self.problem(row.row, r::ENROLLMENT_ID, code::NOT_CHANGEABLE, &e.id, msg);
            return;
        }
        let before = self.problems.len();
        if let Some(m) = member {
            let kind = insured_kind(m, &cur.insured);
            if self.roster.has(r::INSURED_KIND) && kind.is_some_and(|k| k != e.insured) {
                let msg = format!(
                    "被保険者区分は変更できません（{}。別の人の加入は加入IDを空欄にした新しい行で）",
                    kind.map_or("", InsuredKind::label)
                );
                self.problem(row.row, r::INSURED_KIND, code::NOT_CHANGEABLE, e.insured.label(), msg);
            }
        }
        if e.product != cur.product {
            let msg = format!(
                "商品は変更できません（{}）。脱退して、加入IDを空欄にした新しい行で加入してください",
                cur.product
            );
            self.problem(row.row, r::PRODUCT, code::NOT_CHANGEABLE, &e.product, msg);
        }
        if self.roster.has(r::START_MONTH) && e.start_month.is_some_and(|s| s != cur.start_month) {
            let msg = format!("加入開始月は変更できません（{}）", cur.start_month);
            self.problem(
                row.row,
                r::START_MONTH,
                code::NOT_CHANGEABLE,
                &e.start_month.map(|m| m.to_string()).unwrap_or_default(),
                msg,
            );
        }
        if self.problems.len() > before {
            return;
        }
        let plan_changed = e.plan != cur.plan || e.units != cur.units;
        let open = cur.withdrawal.is_none() && cur.end_month.is_none();
        let month = self.ledger.month;
        if plan_changed {
            let current = cur.withdrawal.is_none() && cur.end_month.is_none_or(|end| end >= month);
            if !current {
                let msg = format!(
                    "終了した加入のプラン・口数は変更できません（プラン{}・{}口）",
                    cur.plan, cur.units
                );
                self.problem(
                    row.row,
                    r::PLAN,
                    code::NOT_CHANGEABLE,
                    &format!("{} {}口", e.plan, e.units),
                    msg,
                );
                return;
            }
            if !self.known_plan(row, &cur.product, &e.plan) {
                return;
            }
        }
        let file_end = if self.roster.has(r::END_MONTH) {
            e.end_month
        } else {
            cur.end_month
        };
        let file_wm = if self.roster.has(r::WITHDRAWAL_MONTH) {
            e.withdrawal_month
        } else {
            cur.withdrawal.map(|w| w.month)
        };
        let file_opt = if self.roster.has(r::WITHDRAWAL_OPTION) {
            e.withdrawal_option
        } else {
            cur.withdrawal.map(|w| w.option)
        };
        let ended_same = file_end == cur.end_month
            && file_wm == cur.withdrawal.map(|w| w.month)
            && file_opt == cur.withdrawal.map(|w| w.option);
        let withdrawal = if ended_same {
            None
        } else if open {
            self.withdrawal(row, cur, file_end, file_wm, file_opt, plan_changed)
        } else {
            let (field, value) = if file_end != cur.end_month {
                (r::END_MONTH, file_end.map(|m| m.to_string()))
            } else if file_wm != cur.withdrawal.map(|w| w.month) {
                (r::WITHDRAWAL_MONTH, file_wm.map(|m| m.to_string()))
            } else {
                (r::WITHDRAWAL_OPTION, file_opt.map(|o| option_label(o).to_owned()))
            };
            let msg = format!(
                "この加入はすでに終了しています（{}）。加入終了月・脱退月・脱退時の選択は名簿では変えられません",
                ended_text(cur)
            );
            self.problem(row.row, field, code::NOT_CHANGEABLE, &value.unwrap_or_default(), msg);
            return;
        };
        if plan_changed {
            self.push(
                row,
                Change::PlanChange {
                    enrollment: cur.id.clone(),
                    new_enrollment_id: format!("N{}-R{}", r::yyyymm(month), cur.id),
                    plan: e.plan.clone(),
                    units: e.units,
                    date: month.prev().first_day(),
                },
            );
        }
        if let Some(c) = withdrawal {
            self.push(row, c);
        }
    }

    fn withdrawal(
        &mut self,
        row: &RosterRow,
        cur: &Enrollment,
        end: Option<YearMonth>,
        wm: Option<YearMonth>,
        opt: Option<WithdrawalOption>,
        plan_changed: bool,
    ) -> Option<Change> {
        let Some(month) = wm.or(end) else {
            self.problem(
                row.row,
                r::WITHDRAWAL_OPTION,
                code::CONFLICT,
                opt.map_or("", option_label),
                "脱退するには脱退月か加入終了月を入れてください".into(),
            );
            return None;
        };
        let option = opt.unwrap_or_default();
        if option == WithdrawalOption::End && wm.is_some() && end.is_some() && wm != end {
            let msg = format!(
                "脱退時の選択が終了のときは脱退月と加入終了月を同じ月にしてください（加入終了月{}）",
                end.map(|m| m.to_string()).unwrap_or_default()
            );
            self.problem(row.row, r::WITHDRAWAL_MONTH, code::CONFLICT, &month.to_string(), msg);
            return None;
        }
        if plan_changed {
            self.problem(
                row.row,
                r::PLAN,
                code::CONFLICT,
                &row.enrollment.as_ref().map(|e| e.plan.clone()).unwrap_or_default(),
                "同じ行でプラン・口数の変更と脱退はできません（どちらか一方にしてください）".into(),
            );
            return None;
        }
        Some(Change::Withdrawal {
            enrollment: cur.id.clone(),
            date: month.last_day(),
            option,
        })
    }

    fn known_plan(&mut self, row: &RosterRow, product: &str, plan: &str) -> bool {
        match self.ledger.products.get(product) {
            None => {
                let known: Vec<&str> = self.ledger.products.keys().map(String::as_str).collect();
                self.problem(
                    row.row,
                    r::PRODUCT,
                    code::UNKNOWN_REFERENCE,
                    product,
                    format!("台帳にない商品コードです（取扱商品: {}）", known.join("、")),
                );
                false
            }
            Some(p) if !p.has_plan(plan) => {
                let plans: Vec<&str> = p.plans.iter().map(|x| x.code.as_str()).collect();
                self.problem(
                    row.row,
                    r::PLAN,
                    code::UNKNOWN_REFERENCE,
                    plan,
                    format!(
                        "{}（{}）にないプランです（プラン: {}）",
                        p.name,
                        p.code,
                        plans.join("、")
                    ),
                );
                false
            }
            Some(_) => true,
        }
    }

    fn join(&mut self, m: &Member, row: &RosterRow, e: &r::RosterEnrollment) {
        if e.end_month.is_some() || e.withdrawal_month.is_some() || e.withdrawal_option.is_some() {
            let (field, value) = if let Some(v) = e.end_month {
                (r::END_MONTH, v.to_string())
            } else if let Some(v) = e.withdrawal_month {
                (r::WITHDRAWAL_MONTH, v.to_string())
            } else {
                (
                    r::WITHDRAWAL_OPTION,
                    e.withdrawal_option.map_or("", option_label).to_owned(),
                )
            };
            self.problem(
                row.row,
                field,
                code::CONFLICT,
                &value,
                "新しい加入（加入IDが空欄）に加入終了月・脱退月・脱退時の選択は入れられません".into(),
            );
            return;
        }
        if !self.known_plan(row, &e.product, &e.plan) {
            return;
        }
        let insured = match e.insured {
            InsuredKind::Member => Insured::Member,
            kind => {
                let candidates: Vec<&str> = m
                    .dependents
                    .iter()
                    .filter(|d| InsuredKind::of_relation(d.relation) == kind)
                    .filter(|d| normalize(&e.insured_name).is_empty() || same(&d.name, &e.insured_name))
                    .filter(|d| e.insured_birth_date.is_none_or(|b| b == d.birth_date))
                    .map(|d| d.id.as_str())
                    .collect();
                match candidates.as_slice() {
                    [id] => Insured::Dependent((*id).to_owned()),
                    [] => {
                        let msg = format!(
                            "社員番号{}の{}「{}」は登録されていません（被扶養者の登録は保険会社に連絡してください）",
                            m.employee_no,
                            kind.label(),
                            e.insured_name
                        );
                        self.problem(row.row, r::INSURED_NAME, code::UNKNOWN_REFERENCE, &e.insured_name, msg);
                        return;
                    }
                    _ => {
                        let msg = format!(
                            "社員番号{}の{}が複数います。被保険者氏名と被保険者生年月日で指定してください",
                            m.employee_no,
                            kind.label()
                        );
                        self.problem(row.row, r::INSURED_NAME, code::UNKNOWN_REFERENCE, &e.insured_name, msg);
                        return;
                    }
                }
            }
        };
        let month = self.ledger.month;
        let start = e.start_month.unwrap_or(month);
        self.push(
            row,
            Change::Join {
                enrollment_id: format!("N{}-R{}-{}-{}", r::yyyymm(month), m.employee_no, e.product, insured),
                employee_no: m.employee_no.clone(),
                insured,
                product: e.product.clone(),
                plan: e.plan.clone(),
                units: e.units,
                applied_on: start.prev().first_day(),
                application: None,
            },
        );
    }
}

fn ended_text(e: &Enrollment) -> String {
    match (e.end_month, e.withdrawal) {
        (_, Some(w)) => format!("{}脱退・{}", w.month, option_label(w.option)),
        (Some(end), None) => format!("{end}で終了"),
        (None, None) => String::new(),
    }
}

/// The row's cells for the audit log (the original text is kept: FORMATS.md).
fn original(row: &RosterRow) -> String {
    let m = &row.member;
    let mut v = serde_json::json!({
        r::EMPLOYEE_NO: m.employee_no,
        r::NAME: m.name,
        r::NAME_KANA: m.name_kana,
        r::OFFICE: m.office,
        r::STATUS: m.status.label(),
        r::EMAIL: m.email,
        r::POSTAL_CODE: m.postal_code,
        r::ADDRESS: m.address,
    });
    if let (Some(e), Some(obj)) = (&row.enrollment, v.as_object_mut()) {
        for (k, val) in [
            (r::ENROLLMENT_ID, e.id.clone()),
            (r::INSURED_KIND, e.insured.label().to_owned()),
            (r::INSURED_NAME, e.insured_name.clone()),
            (r::PRODUCT, e.product.clone()),
            (r::PLAN, e.plan.clone()),
            (r::UNITS, e.units.to_string()),
            (r::START_MONTH, e.start_month.map(|m| m.to_string()).unwrap_or_default()),
            (r::END_MONTH, e.end_month.map(|m| m.to_string()).unwrap_or_default()),
            (
                r::WITHDRAWAL_MONTH,
                e.withdrawal_month.map(|m| m.to_string()).unwrap_or_default(),
            ),
            (
                r::WITHDRAWAL_OPTION,
                e.withdrawal_option.map_or("", option_label).to_owned(),
            ),
        ] {
            obj.insert(k.to_owned(), serde_json::Value::String(val));
        }
    }
    v.to_string()
}
