//! HR data (人事情報): the group's full employee snapshot, one row per employee, xlsx or csv.
//!
//! Columns are found by the header names in FORMATS.md ("HR data"), case and width ignored;
//! other columns are kept in [`HrSnapshot::unknown_columns`] and in each row's
//! [`HrRow::original`], but not used. A file with any problem is refused as a whole, with every
//! problem listed: a missing required column, a blank required cell, a date, gender, status or
//! employee number that cannot be read, a duplicate employee number (both rows named), a 退職 row
//! with neither 退職日 nor 異動日, or no employee rows at all. Office codes are checked later,
//! against the ledger.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::date::parse_date;
use crate::encoding::TextEncoding;
use crate::error::{code, FileError, Problem, Problems};
use crate::table::{file_name, read_table_bytes, ColumnSpec, Columns, Row, Table};
use crate::text::{digits_only, normalize};

/// Gender as HR data gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 男, M, 1.
    Male,
    /// 女, F, 2.
    Female,
}

impl Sex {
    /// Reads `男`/`女`, `男性`/`女性`, `M`/`F`, `male`/`female`, `1`/`2` (full-width too, any case).
    pub fn parse(raw: &str) -> Option<Sex> {
        match normalize(raw).to_lowercase().as_str() {
            "男" | "男性" | "m" | "male" | "1" => Some(Sex::Male),
            "女" | "女性" | "f" | "female" | "2" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Employment status (在籍区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HrStatus {
    /// 在籍 / active; also a blank cell or a file without the column.
    Active,
    /// 休職 / leave.
    Leave,
    /// 退職 / retired.
    Retired,
}

impl HrStatus {
    /// Reads `在籍`/`休職`/`退職` or `active`/`leave`/`retired` (any case and width); blank is
    /// [`HrStatus::Active`].
    pub fn parse(raw: &str) -> Option<HrStatus> {
        match normalize(raw).to_lowercase().as_str() {
            "" | "在籍" | "active" => Some(HrStatus::Active),
            "休職" | "leave" => Some(HrStatus::Leave),
            "退職" | "retired" => Some(HrStatus::Retired),
            _ => None,
        }
    }
}

/// One employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRow {
    /// 1-based row in the file, as Excel shows it.
    pub row: usize,
    /// Digits only, leading zeros kept (`000101`).
    pub employee_no: String,
    /// Normalised (width folded, trimmed, spaces collapsed).
    pub name: String,
    /// Normalised; half-width katakana become full-width.
    pub name_kana: Option<String>,
    pub birth_date: NaiveDate,
    pub gender: Sex,
    /// Normalised; not checked against the ledger here.
    pub office_code: String,
    pub status: HrStatus,
    /// 異動日: the date of a status or office change.
    pub change_date: Option<NaiveDate>,
    /// 退職日.
    pub retirement_date: Option<NaiveDate>,
    pub email: Option<String>,
    /// `NNN-NNNN` when it has seven digits; otherwise as written, normalised.
    pub postal_code: Option<String>,
    pub address: Option<String>,
    /// Every column of the row, header → original cell text, for the audit log.
    pub original: Vec<(String, String)>,
}

/// A read HR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrSnapshot {
    /// The csv's detected encoding; `None` for an Excel workbook.
    pub encoding: Option<TextEncoding>,
    /// The employees, in file order.
    pub rows: Vec<HrRow>,
    /// Header texts of the columns the reader does not use, as written.
    pub unknown_columns: Vec<String>,
}

const EMPLOYEE_NO: &str = "社員番号";
const NAME: &str = "氏名";
const NAME_KANA: &str = "氏名カナ";
const BIRTH_DATE: &str = "生年月日";
const GENDER: &str = "性別";
const OFFICE_CODE: &str = "事業所コード";
const STATUS: &str = "在籍区分";
const CHANGE_DATE: &str = "異動日";
const RETIREMENT_DATE: &str = "退職日";
const EMAIL: &str = "メールアドレス";
const POSTAL_CODE: &str = "郵便番号";
const ADDRESS: &str = "住所";

/// The columns of HR data (FORMATS.md, "HR data").
pub const HR_COLUMNS: [ColumnSpec; 12] = [
    ColumnSpec {
        name: EMPLOYEE_NO,
        aliases: &["社員番号", "職員番号", "従業員番号", "employee_no"],
        required: true,
    },
    ColumnSpec {
        name: NAME,
        aliases: &["氏名", "漢字氏名", "name"],
        required: true,
    },
    ColumnSpec {
        name: NAME_KANA,
        aliases: &["氏名カナ", "カナ氏名", "フリガナ", "name_kana"],
        required: false,
    },
    ColumnSpec {
        name: BIRTH_DATE,
        aliases: &["生年月日", "birth_date"],
        required: true,
    },
    ColumnSpec {
        name: GENDER,
        aliases: &["性別", "gender"],
        required: true,
    },
    ColumnSpec {
        name: OFFICE_CODE,
        aliases: &["事業所コード", "所属コード", "office_code"],
        required: true,
    },
    ColumnSpec {
        name: STATUS,
        aliases: &["在籍区分", "在籍状況", "status"],
        required: false,
    },
    ColumnSpec {
        name: CHANGE_DATE,
        aliases: &["異動日", "change_date"],
        required: false,
    },
    ColumnSpec {
        name: RETIREMENT_DATE,
        aliases: &["退職日", "retirement_date"],
        required: false,
    },
    ColumnSpec {
        name: EMAIL,
        aliases: &["メールアドレス", "email"],
        required: false,
    },
    ColumnSpec {
        name: POSTAL_CODE,
        aliases: &["郵便番号", "postal_code"],
        required: false,
    },
    ColumnSpec {
        name: ADDRESS,
        aliases: &["住所", "address"],
        required: false,
    },
];

/// Reads an HR file from disk (csv in UTF-8, UTF-8 with BOM or cp932; xlsx; xls).
pub fn read_hr(path: &Path) -> Result<HrSnapshot, FileError> {
    let name = file_name(path);
    let bytes = crate::table::read_bounded(
        path,
        crate::limits::MAX_WORKBOOK_BYTES.max(crate::limits::MAX_TEXT_BYTES),
    )?;
    read_hr_bytes(&name, &bytes)
}

/// Reads an HR file's content; `name` is the file name used in messages.
pub fn read_hr_bytes(name: &str, bytes: &[u8]) -> Result<HrSnapshot, FileError> {
    let table = read_table_bytes(name, bytes)?;
    let columns = table
        .columns(&HR_COLUMNS)
        .map_err(|problems| FileError::new(name, problems))?;
    let mut problems = Problems::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut cells = Cells {
            table: &table,
            columns: &columns,
            row,
            problems: &mut problems,
        };
        if let Some(hr_row) = cells.hr_row() {
            rows.push(hr_row);
        }
    }
    if table.rows.is_empty() {
        problems.push(Problem::new(
            code::NO_ROWS,
            "社員の行がありません（見出しの行の下に1人1行で入力してください）",
        ));
    }
    check_duplicates(&table, &columns, &mut problems);
    problems.finish(name)?;
    Ok(HrSnapshot {
        encoding: table.encoding,
        rows,
        unknown_columns: columns.unknown.iter().map(|&i| table.header(i).to_owned()).collect(),
    })
}

/// Every later row with an employee number already seen is a problem naming both rows. Rows
/// whose other cells have problems count too.
fn check_duplicates(table: &Table, columns: &Columns, problems: &mut Problems) {
    let Some(index) = columns.index(EMPLOYEE_NO) else {
        return;
    };
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let raw = row.get(index);
        let Some(employee_no) = digits_only(raw) else {
            continue;
        };
        if let Some(&first) = first_row.get(&employee_no) {
            problems.push(
                Problem::new(
                    code::DUPLICATE_EMPLOYEE_NO,
                    format!(
                        "社員番号{employee_no}が{first}行目と{}行目の2か所にあります（1人1行にしてください）",
                        row.row
                    ),
                )
                .at_row(row.row)
                .in_column(table.header(index))
                .with_value(raw),
            );
        } else {
            first_row.insert(employee_no, row.row);
        }
    }
}

/// Reads the cells of one row, recording problems.
struct Cells<'a> {
    table: &'a Table,
    columns: &'a Columns,
    row: &'a Row,
    problems: &'a mut Problems,
}

impl<'a> Cells<'a> {
    /// The column index and original text of a field, if the file has the column.
    fn raw(&self, field: &str) -> Option<(usize, &'a str)> {
        let row: &'a Row = self.row;
        self.columns.index(field).map(|i| (i, row.get(i)))
    }

    fn problem(&mut self, index: usize, code: &'static str, expected: String, value: Option<&str>) {
        let mut problem = Problem::new(code, expected)
            .at_row(self.row.row)
            .in_column(self.table.header(index));
        problem.value = value.map(str::to_owned);
        self.problems.push(problem);
    }

    /// A normalised text field; `None` when the column is absent or the cell blank.
    fn text(&self, field: &str) -> Option<String> {
        self.raw(field).map(|(_, raw)| normalize(raw)).filter(|v| !v.is_empty())
    }

    /// A required field parsed with `parse`; a blank cell or a parse failure is a problem.
    fn required<T>(&mut self, field: &str, parse: impl FnOnce(&str) -> Result<T, (&'static str, String)>) -> Option<T> {
        let (index, raw) = self.raw(field)?;
        if normalize(raw).is_empty() {
            self.problem(
                index,
                code::REQUIRED_EMPTY,
                format!("{field}が空欄です（必須の項目です）"),
                None,
            );
            return None;
        }
        match parse(raw) {
            Ok(value) => Some(value),
            Err((code, expected)) => {
                self.problem(index, code, expected, Some(raw));
                None
            }
        }
    }

    /// An optional date: blank or absent is `None`; a bad date is a problem (and `Err`).
    fn optional_date(&mut self, field: &str) -> Result<Option<NaiveDate>, ()> {
        let Some((index, raw)) = self.raw(field) else {
            return Ok(None);
        };
        if normalize(raw).is_empty() {
            return Ok(None);
        }
        match parse_date(raw) {
            Ok(date) => Ok(Some(date)),
            Err(e) => {
                self.problem(index, e.code, e.message, Some(raw));
                Err(())
            }
        }
    }

    fn hr_row(&mut self) -> Option<HrRow> {
        let employee_no = self.required(EMPLOYEE_NO, |raw| {
            digits_only(raw).ok_or((
                code::DIGITS,
                "社員番号（数字のみ。全角数字も可、先頭の0はそのまま）".to_owned(),
            ))
        });
        let name = self.required(NAME, |raw| Ok(normalize(raw)));
        let birth_date = self.required(BIRTH_DATE, |raw| parse_date(raw).map_err(|e| (e.code, e.message)));
        let gender = self.required(GENDER, |raw| {
            Sex::parse(raw).ok_or((code::GENDER, "性別（男/女、M/F、1/2）".to_owned()))
        });
        let office_code = self.required(OFFICE_CODE, |raw| Ok(normalize(raw)));
        let status = match self.raw(STATUS) {
            None => Some(HrStatus::Active),
            Some((index, raw)) => {
                let status = HrStatus::parse(raw);
                if status.is_none() {
                    self.problem(
                        index,
                        code::HR_STATUS,
                        "在籍区分（在籍/休職/退職、active/leave/retired。空欄は在籍）".to_owned(),
                        Some(raw),
                    );
                }
                status
            }
        };
        let change_date = self.optional_date(CHANGE_DATE);
        let retirement_date = self.optional_date(RETIREMENT_DATE);
        let (change_date, retirement_date) = (change_date.ok()?, retirement_date.ok()?);
        let status = status?;
        if status == HrStatus::Retired && change_date.is_none() && retirement_date.is_none() {
            if let Some((index, raw)) = self.raw(STATUS) {
                self.problem(
                    index,
                    code::RETIRED_WITHOUT_DATE,
                    "退職の行には退職日か異動日が必要です".to_owned(),
                    Some(raw),
                );
            }
            return None;
        }
        let original = self
            .table
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(i, h)| (h.clone(), self.row.get(i).to_owned()))
            .collect();
        Some(HrRow {
            row: self.row.row,
            employee_no: employee_no?,
            name: name?,
            name_kana: self.text(NAME_KANA),
            birth_date: birth_date?,
            gender: gender?,
            office_code: office_code?,
            status,
            change_date,
            retirement_date,
            email: self.text(EMAIL),
            postal_code: self.text(POSTAL_CODE).map(postal_code),
            address: self.text(ADDRESS),
            original,
        })
    }
}

/// `1030027`, `103-0027`, `〒103-0027` → `103-0027`; anything else as given.
fn postal_code(text: String) -> String {
    let trimmed = text.trim_start_matches('〒').trim();
    let digits: String = trimmed.chars().filter(|c| *c != '-').collect();
    if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &digits[..3], &digits[3..])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_and_status() {
        let sexes: &[(&str, Option<Sex>)] = &[
            ("男", Some(Sex::Male)),
            ("女", Some(Sex::Female)),
            ("M", Some(Sex::Male)),
            ("f", Some(Sex::Female)),
            ("Ｍ", Some(Sex::Male)),
            ("１", Some(Sex::Male)),
            ("2", Some(Sex::Female)),
            (" 女性 ", Some(Sex::Female)),
            ("3", None),
            ("", None),
        ];
        for (input, expected) in sexes {
            assert_eq!(Sex::parse(input), *expected, "{input:?}");
        }
        let statuses: &[(&str, Option<HrStatus>)] = &[
            ("", Some(HrStatus::Active)),
            ("在籍", Some(HrStatus::Active)),
            ("Active", Some(HrStatus::Active)),
            ("休職", Some(HrStatus::Leave)),
            ("ＬＥＡＶＥ", Some(HrStatus::Leave)),
            ("退職", Some(HrStatus::Retired)),
            ("retired", Some(HrStatus::Retired)),
            ("出向", None),
        ];
        for (input, expected) in statuses {
            assert_eq!(HrStatus::parse(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn postal_codes() {
        for (input, expected) in [
            ("1030027", "103-0027"),
            ("103-0027", "103-0027"),
            ("〒103-0027", "103-0027"),
            ("103", "103"),
        ] {
            assert_eq!(postal_code(input.to_owned()), expected);
        }
    }
}
