//! Deduction results (控除結果) from payroll, csv or xlsx (FORMATS.md): employee number, amount
//! deducted, reason, and the office code where a member has lines in two offices.

use std::path::Path;

use infoone_domain::deduction::Reported;
use infoone_domain::ledger::DeductionReason;
use infoone_domain::money::Yen;

use crate::error::{code, FileError, Problem, Problems};
use crate::table::{read_table, read_table_bytes, ColumnSpec, Table};
use crate::text::{digits_only, normalize};

/// Amount not an integer number of yen.
pub const AMOUNT: &str = "F2201";
/// Reason not one of 休職, 退職, 給与不足, その他.
pub const REASON: &str = "F2202";

const EMPLOYEE_NO: &str = "社員番号";
const AMOUNT_COL: &str = "控除額";
const REASON_COL: &str = "理由";
const OFFICE: &str = "事業所コード";

const COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: EMPLOYEE_NO,
        aliases: &["社員番号", "職員番号", "従業員番号", "employee_no"],
        required: true,
    },
    ColumnSpec {
        name: AMOUNT_COL,
        aliases: &["控除額", "控除金額", "deducted", "amount"],
        required: true,
    },
    ColumnSpec {
        name: REASON_COL,
        aliases: &["理由", "控除不能理由", "reason"],
        required: false,
    },
    ColumnSpec {
        name: OFFICE,
        aliases: &["事業所コード", "所属コード", "office_code"],
        required: false,
    },
];

pub fn read_deductions(path: &Path) -> Result<Vec<Reported>, FileError> {
    from_table(read_table(path)?)
}

pub fn read_deductions_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Reported>, FileError> {
    from_table(read_table_bytes(name, bytes)?)
}

/// `1,234`, `¥1,234`, `１２３４円` → 1234 (negative allowed for refunds).
fn parse_amount(raw: &str) -> Option<Yen> {
    let s: String = normalize(raw)
        .chars()
        .filter(|c| !matches!(c, ',' | '¥' | '\\' | '円' | ' '))
        .collect();
    let (neg, digits) = match s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    (n <= crate::limits::MAX_YEN).then(|| Yen::new(if neg { -n } else { n }))
}

fn from_table(table: Table) -> Result<Vec<Reported>, FileError> {
    let cols = table.columns(COLUMNS).map_err(|p| FileError::new(&table.file, p))?;
    let mut problems = Problems::new();
    let mut out = Vec::with_capacity(table.rows.len());
    let col = |name: &str| cols.index(name);
    for row in &table.rows {
        let cell = |name: &str| col(name).map_or("", |i| row.get(i));
        let at = |c: &str, p: Problem| p.at_row(row.row).in_column(table.header(col(c).unwrap_or(0)));
        let raw_no = cell(EMPLOYEE_NO);
        let employee_no = match digits_only(raw_no) {
            Some(n) => n,
            None => {
                let p = if raw_no.trim().is_empty() {
                    Problem::new(code::REQUIRED_EMPTY, "社員番号（数字）")
                } else {
                    Problem::new(code::DIGITS, "社員番号（数字のみ）").with_value(raw_no)
                };
                problems.push(at(EMPLOYEE_NO, p));
                continue;
            }
        };
        let raw_amount = cell(AMOUNT_COL);
        let Some(amount) = parse_amount(raw_amount) else {
            problems.push(at(
                AMOUNT_COL,
                Problem::new(AMOUNT, "控除額（円、整数、10桁まで。例: 12345）").with_value(raw_amount),
            ));
            continue;
        };
        let raw_reason = normalize(cell(REASON_COL));
        let reason = if raw_reason.is_empty() {
            None
        } else {
            match DeductionReason::from_label(&raw_reason) {
                Some(r) => Some(r),
                None => {
                    problems.push(at(
                        REASON_COL,
                        Problem::new(REASON, "理由（休職・退職・給与不足・その他のいずれか）")
                            .with_value(cell(REASON_COL)),
                    ));
                    continue;
                }
            }
        };
        let office = Some(normalize(cell(OFFICE))).filter(|o| !o.is_empty());
        out.push(Reported {
            row: row.row,
            employee_no,
            office,
            amount,
            reason,
        });
    }
    problems.finish(&table.file)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_amounts_reasons_and_offices() {
        let csv = "社員番号,控除額,理由,事業所コード\r\n000101,\"1,234\",給与不足,\r\n０００１０２,0,休職,O001\r\n000201,3769,,\r\n";
        let rows = read_deductions_bytes("deductions.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].amount, Yen::new(1234));
        assert_eq!(rows[0].reason, Some(DeductionReason::InsufficientPay));
        assert_eq!(rows[1].employee_no, "000102");
        assert_eq!(rows[1].office.as_deref(), Some("O001"));
        assert_eq!(rows[2].reason, None);
        assert_eq!(rows[2].row, 4);
    }

    #[test]
    fn refuses_bad_amounts_and_reasons_with_positions() {
        let csv = "社員番号,控除額,理由\n000101,12.5,\n000102,100,病気\n";
        let err = read_deductions_bytes("deductions.csv", csv.as_bytes()).unwrap_err();
        assert_eq!(err.codes(), vec![AMOUNT, REASON]);
        let text = err.to_string();
        assert!(text.contains("2行目") && text.contains("12.5"), "{text}");
        assert!(text.contains("3行目") && text.contains("病気"), "{text}");
    }
}
