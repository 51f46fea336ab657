//! Deterministic sample group generator: bill package, HR files, deduction results
//! (`infoone sample`, CLI.md).
//!
//! [`generate`] builds, from a [`SampleSpec`] alone, one group's month as the insurer and the
//! group's HR and payroll would hand it to the clerk; [`write_all`] writes it as
//! `bill-package.json`, `hr.xlsx`, `hr.csv` (cp932, CRLF) and `deductions.csv` (UTF-8 with BOM,
//! `exceptions` mode). The same spec gives byte-identical files on every machine: randomness is
//! a SplitMix64 of our own, collections are ordered, and the workbook's creation time is the
//! package's issue date.
//!
//! What the month contains (for package month M, default 2026-12):
//! - a group with the DOMAIN.md §2 default settings, a payee and a collection account; offices
//!   `O001…` (本社, 札幌支店, …) with deduction destinations `D01…` (every fourth office shares
//!   the payroll of the one before it);
//! - four group products: GTL 団体定期保険 (保険年齢, floor, discount 0.05, plans A/B, unisex
//!   age bands with decimals), MED 団体医療保険 (満年齢, half_up, plans S/L, M/F rates, mid-term
//!   changes allowed), GAI 団体傷害保険 (flat rates, ceil), LTD 団体長期障害所得補償保険 (age
//!   bands, floor, ages 15–64); every rate table covers ages 15–70 for every plan and gender;
//! - members `000101…` born M.year−65 … M.year−22 (1961–2004 for 2026), with spouses (`S`) and
//!   children (`C1`, `C2`), enrolled as self, spouse or child; start months in the past; every
//!   insured person is within the product's ages in every month from M−6 to M+1;
//! - `billed`: one entry per enrollment and month for M−6 … M−1, computed with DOMAIN.md §3
//!   (age at the 1st of the policy year, anniversary April) through `infoone-domain`;
//! - a few enrollments ended some months ago, a few bank-transfer withdrawers (retired in M−3,
//!   `withdrawal_option: bank_transfer`, with a bank account), carry-overs (one already carried
//!   once), and Web applications dated on or before the cutoff day of M−1 and after it;
//! - an HR snapshot where about 3 % of members differ from the package: retirements in M−1 and
//!   in M, office transfers, name changes, leave (休職), new hires; one birth date written in
//!   和暦 and one employee number written in full-width digits, both otherwise unchanged;
//! - deduction exceptions consistent with the month's bill after the HR changes are accepted:
//!   members on leave (0 or half), some retiring in M (0), some with insufficient pay (a part).
//!   Only members whose bill for M is just their regular lines appear.
//!
//! Size: 300,000 members and 2,000 offices give about 650,000 enrollments and 3.8 million
//! `billed` entries (a 750 MB package); a release build generates them in about 4 s, half of
//! it the package's content hash, and writes the four files in about 5 s (the workbook is
//! the slowest).

use std::io;
use std::path::Path;

use chrono::NaiveDate;
use infoone_domain::month::YearMonth;
use infoone_formats::package::{BillPackage, Gender, MemberStatus, UndeductedReason};

mod gen;
mod names;
mod products;
mod rng;
mod write;

pub use write::{deductions_csv, hr_csv, hr_xlsx, package_json};

/// What to generate. [`SampleSpec::default`] is 2,000 members, 20 offices, seed 1, 2026-12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSpec {
    /// Members in the package (1 ..= 900,000).
    pub members: usize,
    /// Offices (1 ..= 9,999).
    pub offices: usize,
    pub seed: u64,
    /// The package month.
    pub month: YearMonth,
}

impl Default for SampleSpec {
    fn default() -> Self {
        SampleSpec {
            members: 2_000,
            offices: 20,
            seed: 1,
            month: default_month(),
        }
    }
}

fn default_month() -> YearMonth {
    YearMonth::new(2026, 12).expect("2026-12 is a month")
}

impl SampleSpec {
    /// `members` and `offices` for month 2026-12.
    pub fn new(members: usize, offices: usize, seed: u64) -> Self {
        SampleSpec {
            members,
            offices,
            seed,
            month: default_month(),
        }
    }

    /// The same spec for another month.
    pub fn with_month(mut self, month: YearMonth) -> Self {
        self.month = month;
        self
    }

    /// The same spec for a `"YYYY-MM"` month.
    pub fn with_month_text(self, month: &str) -> Result<Self, String> {
        let m: YearMonth = month
            .parse()
            .map_err(|e: infoone_domain::month::BadMonth| e.to_string())?;
        Ok(self.with_month(m))
    }

    /// Why [`generate`] would refuse this spec, in Japanese for the clerk.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=900_000).contains(&self.members) {
            return Err(format!(
                "加入者数は 1〜900000 人で指定してください（指定: {}）",
                self.members
            ));
        }
        if !(1..=9_999).contains(&self.offices) {
            return Err(format!(
                "事業所数は 1〜9999 で指定してください（指定: {}）",
                self.offices
            ));
        }
        if !(1990..=2200).contains(&self.month.year()) {
            return Err(format!(
                "請求月は 1990年〜2200年で指定してください（指定: {}）",
                self.month
            ));
        }
        Ok(())
    }
}

/// One generated group's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub spec: SampleSpec,
    /// Valid per FORMATS.md, `version` set to its content hash.
    pub package: BillPackage,
    /// The HR snapshot, in file order (package members by employee number, then new hires).
    pub hr_rows: Vec<HrRowOut>,
    /// The payroll's deduction exceptions (`exceptions` mode), by employee number.
    pub deductions: Vec<DeductionRowOut>,
}

/// One row of the HR snapshot, as it is written to `hr.xlsx` and `hr.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRowOut {
    /// As written: 6 digits, full-width for one row.
    pub employee_no: String,
    pub name: String,
    /// Half-width katakana.
    pub name_kana: String,
    pub birth_date: NaiveDate,
    /// Written instead of `birth_date` when set (the 和暦 row); names the same date.
    pub birth_date_text: Option<String>,
    /// Written 男 / 女.
    pub gender: Gender,
    pub office_code: String,
    /// Written 在籍 / 休職 / 退職.
    pub status: MemberStatus,
    /// 異動日: office transfer or start of leave.
    pub change_date: Option<NaiveDate>,
    /// 退職日.
    pub retirement_date: Option<NaiveDate>,
    /// As in the package (`email`, `postal_code`, `address`).
    pub email: String,
    pub postal_code: String,
    pub address: String,
    /// 内線番号: a column the reader does not know.
    pub extension: String,
    /// How this row differs from the package (not written).
    pub kind: HrRowKind,
}

/// How an HR row differs from the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HrRowKind {
    Unchanged,
    /// 退職, 退職日 in M−1: coverage ended with M−1; nothing billed in M.
    RetiredLastMonth,
    /// 退職, 退職日 in M: M is still billed.
    RetiringThisMonth,
    /// New 事業所コード, 異動日 on the 1st of M or in M−1 (M moves to the new office).
    Transferred,
    /// New surname (氏名 and 氏名カナ).
    NameChanged,
    /// 休職 since M−1 or M−2.
    OnLeave,
    /// An employee not in the package.
    NewHire,
    /// Retired before, as the package already says (a bank-transfer withdrawer).
    AlreadyRetired,
    /// Unchanged, birth date written in 和暦.
    WarekiBirthDate,
    /// Unchanged, employee number written in full-width digits.
    FullWidthNumber,
}

/// One row of `deductions.csv`: a member not deducted in full in month M.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeductionRowOut {
    pub employee_no: String,
    /// 控除額: what payroll deducted, `0 ≤ amount < billed`.
    pub amount: i64,
    /// 休職, 給与不足 or 退職.
    pub reason: UndeductedReason,
    /// 事業所コード: the member's office in M.
    pub office: String,
    /// What the member's bill for M comes to once the HR changes are accepted (not written).
    pub billed: i64,
}

/// Generates the sample. Panics with [`SampleSpec::check`]'s message on a spec it refuses.
pub fn generate(spec: &SampleSpec) -> Sample {
    gen::generate(spec)
}

/// Writes `bill-package.json`, `hr.xlsx`, `hr.csv` and `deductions.csv` into `dir` (created if
/// missing), in parallel.
pub fn write_all(sample: &Sample, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::thread::scope(|s| {
        let json = s.spawn(|| std::fs::write(dir.join("bill-package.json"), package_json(sample)));
        let xlsx = s.spawn(|| std::fs::write(dir.join("hr.xlsx"), hr_xlsx(sample)?));
        let csv = hr_csv(sample).and_then(|b| std::fs::write(dir.join("hr.csv"), b));
        let deductions = deductions_csv(sample).and_then(|b| std::fs::write(dir.join("deductions.csv"), b));
        let join = |h: std::thread::ScopedJoinHandle<'_, io::Result<()>>| {
            h.join()
                .unwrap_or_else(|_| Err(io::Error::other("サンプルの書き出し中にスレッドが異常終了しました")))
        };
        let json = join(json);
        let xlsx = join(xlsx);
        json.and(xlsx).and(csv).and(deductions)
    })
}
