//! Bank and branch codes (統一金融機関コード) from the zengin-code data set (MIT), shipped in
//! `assets/zengin/banks.dat` with its date and licence; see `assets/zengin/README.md` for how the
//! file is made from the npm package. Names are already in the Zengin character set.

use std::sync::OnceLock;

const DATA: &[u8] = include_bytes!("../../../../assets/zengin/banks.dat");

/// One bank and its branches, names as Zengin single bytes.
struct Bank {
    code: u16,
    name: &'static [u8],
    /// Sorted by code.
    branches: Vec<(u16, &'static [u8])>,
}

struct Codes {
    /// e.g. `zengin-code 1.0.0-p20260824 2026-08-24`.
    version: &'static str,
    date: &'static str,
    /// Sorted by code.
    banks: Vec<Bank>,
}

fn digits(bytes: &[u8]) -> Option<u16> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes
        .iter()
        .try_fold(0u16, |n, b| n.checked_mul(10)?.checked_add(u16::from(b - b'0')))
}

fn parse() -> Codes {
    let mut lines = DATA.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    let version = lines.next().and_then(|l| std::str::from_utf8(l).ok()).unwrap_or("");
    let date = version.rsplit(' ').next().unwrap_or("");
    let mut banks: Vec<Bank> = Vec::with_capacity(1_200);
    for line in lines {
        if let Some(rest) = line.strip_prefix(b"B") {
            if let (Some(code), Some(name)) = (rest.get(..4).and_then(digits), rest.get(4..)) {
                banks.push(Bank {
                    code,
                    name,
                    branches: Vec::new(),
                });
            }
        } else if let (Some(code), Some(name), Some(bank)) =
            (line.get(..3).and_then(digits), line.get(3..), banks.last_mut())
        {
            bank.branches.push((code, name));
        }
    }
    banks.sort_by_key(|b| b.code);
    for b in &mut banks {
        b.branches.sort_by_key(|x| x.0);
    }
    Codes { version, date, banks }
}

fn codes() -> &'static Codes {
    static CODES: OnceLock<Codes> = OnceLock::new();
    CODES.get_or_init(parse)
}

/// The data set's version line, e.g. `zengin-code 1.0.0-p20260824 2026-08-24`.
pub fn data_version() -> &'static str {
    codes().version
}

/// The data set's date, `YYYY-MM-DD`.
pub fn data_date() -> &'static str {
    codes().date
}

/// Number of banks and of branches in the data set.
pub fn counts() -> (usize, usize) {
    let c = codes();
    (c.banks.len(), c.banks.iter().map(|b| b.branches.len()).sum())
}

fn bank(code: &str) -> Option<&'static Bank> {
    if code.len() != 4 {
        return None;
    }
    let code = digits(code.as_bytes())?;
    let banks = &codes().banks;
    banks.binary_search_by_key(&code, |b| b.code).ok().map(|i| &banks[i])
}

/// The bank's name (Zengin single bytes) for a 4-digit code in the data set.
pub fn bank_name(code: &str) -> Option<&'static [u8]> {
    bank(code).map(|b| b.name)
}

/// The branch's name (Zengin single bytes) for a 4-digit bank and 3-digit branch code.
pub fn branch_name(bank_code: &str, branch_code: &str) -> Option<&'static [u8]> {
    let b = bank(bank_code)?;
    if branch_code.len() != 3 {
        return None;
    }
    let code = digits(branch_code.as_bytes())?;
    b.branches
        .binary_search_by_key(&code, |x| x.0)
        .ok()
        .map(|i| b.branches[i].1)
}

/// Every (bank code, bank name, branch code, branch name), for tests of the shipped data.
pub fn all() -> impl Iterator<Item = (u16, &'static [u8], u16, &'static [u8])> {
    codes()
        .banks
        .iter()
        .flat_map(|b| b.branches.iter().map(move |(c, n)| (b.code, b.name, *c, *n)))
}
