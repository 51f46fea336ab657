//! One positioned error type for every reader.
//!
//! A reader collects every problem it finds in a file (up to [`MAX_PROBLEMS`], counting the rest)
//! and then refuses the whole file with one [`FileError`]. Each [`Problem`] says where (row as the
//! clerk sees it in Excel, column header as written in the file), what was found, and what was
//! expected, in Japanese a clerk can act on. Codes are stable: the UI and the docs key on them,
//! never on the message text.

use std::fmt;

use serde::Serialize;

/// How many problems a [`FileError`] lists; the rest are only counted.
pub const MAX_PROBLEMS: usize = 100;

/// Stable problem codes. `F1xxx` file, encoding and table shape; `F2xxx` cell values;
/// `F3xxx` HR data rules.
pub mod code {
    /// The file could not be opened or read at all.
    pub const FILE_UNREADABLE: &str = "F1001";
    /// Bytes that are neither UTF-8 nor Windows-31J (cp932).
    pub const ENCODING_INVALID: &str = "F1002";
    /// An encoding the readers do not take (UTF-16).
    pub const ENCODING_UNSUPPORTED: &str = "F1003";
    /// An Excel workbook that calamine cannot read, or one without sheets.
    pub const WORKBOOK_UNREADABLE: &str = "F1004";
    /// A CSV file the CSV parser refuses (e.g. an unclosed quote).
    pub const CSV_MALFORMED: &str = "F1005";
    /// No header row: the file or sheet is empty.
    pub const NO_HEADER: &str = "F1006";
    /// A required column is missing from the header row.
    pub const MISSING_COLUMN: &str = "F1007";
    /// Two columns of the header row name the same field.
    pub const AMBIGUOUS_COLUMN: &str = "F1008";
    /// A header row but no data rows.
    pub const NO_ROWS: &str = "F1009";
    /// A required cell is blank.
    pub const REQUIRED_EMPTY: &str = "F1010";
    /// A file, line, workbook part or cell larger than the readers take (limits.rs).
    pub const TOO_LARGE: &str = "F1011";
    /// A row, column or cell address past what the readers take (limits.rs).
    pub const OUT_OF_RANGE: &str = "F1012";

    /// A date in none of the accepted forms.
    pub const DATE_FORMAT: &str = "F2001";
    /// A date that does not exist (2月30日, 13月).
    pub const DATE_INVALID: &str = "F2002";
    /// A Japanese-era date before that era started (令和1年4月30日).
    pub const DATE_ERA_NOT_STARTED: &str = "F2003";
    /// A Japanese-era date after that era ended (平成32年1月1日).
    pub const DATE_ERA_ENDED: &str = "F2004";
    /// An Excel serial number out of range, or Excel's fictitious 1900-02-29.
    pub const DATE_SERIAL: &str = "F2005";
    /// A gender other than 男/女, M/F, 1/2.
    pub const GENDER: &str = "F2101";
    /// A digits-only field (employee number) with other characters.
    pub const DIGITS: &str = "F2102";
    /// An HR status other than 在籍/休職/退職.
    pub const HR_STATUS: &str = "F2103";

    /// The same employee number on two rows.
    pub const DUPLICATE_EMPLOYEE_NO: &str = "F3001";
    /// A 退職 row with neither 退職日 nor 異動日.
    pub const RETIRED_WITHOUT_DATE: &str = "F3002";
}

/// One thing wrong in a file, positioned as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based row, as Excel numbers it (blank rows counted). `None` for the whole file.
    pub row: Option<usize>,
    /// The column's header text as written in the file.
    pub column: Option<String>,
    /// The cell's text as written in the file.
    pub value: Option<String>,
    /// What was expected, or what is wrong, in Japanese a clerk can act on.
    pub expected: String,
    /// Stable code from [`code`].
    pub code: &'static str,
}

impl Problem {
    /// A problem with only a code and a message; position it with the builder methods.
    pub fn new(code: &'static str, expected: impl Into<String>) -> Self {
        Problem {
            row: None,
            column: None,
            value: None,
            expected: expected.into(),
            code,
        }
    }

    /// Sets the 1-based row.
    #[must_use]
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    /// Sets the column header text.
    #[must_use]
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Sets the offending value.
    #[must_use]
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Writes this problem as one line, prefixed with the file name.
    fn write_line(&self, file: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(file)?;
        if let Some(row) = self.row {
            write!(f, " {row}行目")?;
        }
        if let Some(column) = &self.column {
            write!(f, " 「{column}」列")?;
        }
        f.write_str(": ")?;
        if let Some(value) = &self.value {
            write!(f, "値「{value}」— ")?;
        }
        f.write_str(&self.expected)
    }
}

/// A refused file: every problem found in it (at most [`MAX_PROBLEMS`]) and how many more there were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    /// The file's name as the clerk knows it (no directories).
    pub file: String,
    /// The problems, in the order found (file-level first, then by row).
    pub problems: Vec<Problem>,
    /// Problems found beyond [`MAX_PROBLEMS`], counted but not listed.
    pub more: usize,
}

impl FileError {
    /// A file refused for these problems; past [`MAX_PROBLEMS`] they are only counted.
    pub fn new(file: impl Into<String>, problems: Vec<Problem>) -> Self {
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        let mut problems = problems;
        problems.truncate(MAX_PROBLEMS);
        FileError {
            file: file.into(),
            problems,
            more,
        }
    }

    /// A file refused for one reason.
    pub fn single(file: impl Into<String>, problem: Problem) -> Self {
        FileError {
            file: file.into(),
            problems: vec![problem],
            more: 0,
        }
    }

    /// Stable codes of the listed problems, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.problems.iter().map(|p| p.code).collect()
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            problem.write_line(&self.file, f)?;
        }
        if self.more > 0 {
            write!(f, "\n{}: ほかに{}件の問題があります", self.file, self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for FileError {}

/// Collects problems while a reader goes through a file, keeping the first [`MAX_PROBLEMS`].
#[derive(Debug, Default)]
pub struct Problems {
    listed: Vec<Problem>,
    more: usize,
}

impl Problems {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem.
    pub fn push(&mut self, problem: Problem) {
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// Records several problems.
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            self.push(p);
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the file's refusal.
    pub fn finish(self, file: &str) -> Result<(), FileError> {
        if self.listed.is_empty() {
            Ok(())
        } else {
            Err(FileError {
                file: file.to_owned(),
                problems: self.listed,
                more: self.more,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_one_line_per_problem_with_overflow_count() {
        let mut problems = Problems::new();
        for row in 0..MAX_PROBLEMS + 3 {
            problems.push(
                Problem::new(code::GENDER, "性別（男/女、M/F、1/2）")
                    .at_row(row + 2)
                    .in_column("性別")
                    .with_value("X"),
            );
        }
        let err = problems.finish("hr.csv").unwrap_err();
        assert_eq!(err.problems.len(), MAX_PROBLEMS);
        assert_eq!(err.more, 3);
        let text = err.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), MAX_PROBLEMS + 1);
        assert_eq!(lines[0], "hr.csv 2行目 「性別」列: 値「X」— 性別（男/女、M/F、1/2）");
        assert_eq!(lines[MAX_PROBLEMS], "hr.csv: ほかに3件の問題があります");
    }

    #[test]
    fn display_without_position() {
        let err = FileError::single("hr.csv", Problem::new(code::NO_HEADER, "見出しの行がありません"));
        assert_eq!(err.to_string(), "hr.csv: 見出しの行がありません");
        assert!(Problems::new().finish("x").is_ok());
    }
}
