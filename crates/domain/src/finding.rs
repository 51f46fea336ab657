//! Findings: what a computation or a check tells the clerk, each with a stable code.
//! The codes are listed in docs/FINDINGS.md; a test keeps that list and this table in step.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The month cannot be confirmed until it is resolved.
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A stable finding code with its severity and a one-line meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub meaning: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $sev:ident, $meaning:literal;)*) => {
        $(pub const $name: Code = Code { code: $code, severity: Severity::$sev, meaning: $meaning };)*
        /// Every code, for the docs.
        pub const ALL: &[Code] = &[$($name),*];
    };
}

codes! {
    RATE_NOT_FOUND = "B1001", Error, "料率表に該当する行がない（プラン・年齢・性別）。0円では請求しない";
    INSURED_NOT_FOUND = "B1002", Error, "被保険者（本人・扶養家族）が加入者データにない";
    UNKNOWN_PRODUCT = "B1003", Error, "加入の商品またはプランが団体別取扱商品にない";
    UNKNOWN_OFFICE = "B1004", Error, "加入者の所属事業所が事業所一覧にない";
    AMOUNT_OUT_OF_RANGE = "B1005", Error, "金額が扱える範囲（1,000兆円）を超える（料率・口数・合計）。確定できない";
    AGE_LIMIT_END = "B2001", Info, "加入年齢の上限を超えたため、更新月の前月で加入が終了した";
    BELOW_MIN_MEMBERS = "B2002", Warning, "加入者数が最低加入者数を下回っている（団体割引に影響）";
    CARRY_OVER_INDIVIDUAL = "B2003", Info, "繰越済み・退職理由の控除不能額を個別請求に回した";
    NO_BANK_ACCOUNT = "B2004", Warning, "口座振替の脱退者に口座が登録されていない";
    LEAVE_NOTE = "H3001", Info, "休職中の加入者（控除できない可能性）";
    MISSING_FROM_HR = "H3002", Warning, "加入のある社員が人事データにない（自動では脱退させない）";
    RETRO_BEYOND_LIMIT = "C4001", Error, "遡及限度を超える変更（保険会社での処理が必要）";
    MID_TERM_NOT_ALLOWED = "C4002", Error, "中途のプラン変更ができない商品（更新月のみ）";
    UNKNOWN_REFERENCE = "C4003", Error, "変更が存在しない社員・加入・事業所・商品を指している";
    NO_CHANGE = "C4004", Error, "変更の内容が現在と同じ";
    ALREADY_ENROLLED = "C4005", Error, "同じ被保険者がすでに同じ商品に加入している";
    NOT_WITHDRAWN = "C4006", Error, "脱退していない加入者の口座振替切替";
    ALREADY_ENDED = "C4007", Error, "すでに終了している加入の脱退";
    AGE_OUT_OF_RANGE = "C4008", Error, "加入できる年齢の範囲外（商品の加入年齢）";
    DEDUCTION_ABOVE_BILLED = "D5001", Error, "控除額が請求額を超えている";
    DEDUCTION_UNKNOWN_MEMBER = "D5002", Error, "請求のない社員の控除結果";
    DEDUCTION_OFFICE_NEEDED = "D5003", Error, "2つの事業所に請求のある社員で事業所コードがない";
    DEDUCTION_MISSING = "D5004", Error, "full モードで請求のある社員が控除結果にない";
    DEDUCTION_DUPLICATE = "D5005", Error, "同じ社員・事業所の控除結果が2行ある";
    DEDUCTION_NO_REASON = "D5006", Warning, "控除不能の理由がないため「その他」とした";
    DEDUCTION_BELOW_REFUND = "D5007", Error, "返戻額を下回るマイナスの控除額";
}

/// One finding: a code, a message naming what it is about, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub message: String,
    pub office: Option<String>,
    pub employee_no: Option<String>,
    pub enrollment: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            message: message.into(),
            office: None,
            employee_no: None,
            enrollment: None,
        }
    }
    pub fn severity(&self) -> Severity {
        self.code.severity
    }
    pub fn office(mut self, office: &str) -> Finding {
        self.office = Some(office.to_string());
        self
    }
    pub fn employee(mut self, employee_no: &str) -> Finding {
        self.employee_no = Some(employee_no.to_string());
        self
    }
    pub fn enrollment(mut self, enrollment: &str) -> Finding {
        self.enrollment = Some(enrollment.to_string());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.code.code, self.code.severity.name(), self.message)
    }
}
