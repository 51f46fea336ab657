//! Cell text normalisation for Japanese files.
//!
//! "NFKC where it is safe": full NFKC would also rewrite CJK compatibility ideographs in
//! people's names (e.g. U+FA19 神 → U+795E 神), circled numbers (① → 1) and ㈱ (→ (株)), which
//! changes what a clerk typed. So NFKC is applied only to the width variants:
//! - full-width ASCII (U+FF01–U+FF5E: ０-９, Ａ-Ｚ, ａ-ｚ, （）－ …) → half-width ASCII,
//! - the ideographic space U+3000 → a plain space,
//! - half-width katakana and its punctuation (U+FF61–U+FF9F: ｶﾞ, ｰ, ｡ …) → full-width, with
//!   ﾞ/ﾟ composed onto the kana before them (ｶﾞ → ガ).
//!
//! Everything else is kept as written. The original text is kept by the readers for the audit log.

use unicode_normalization::UnicodeNormalization;

/// A cell's text as written and as normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// Exactly as in the file (for the audit log).
    pub original: String,
    /// After [`normalize`].
    pub value: String,
}

impl Text {
    /// Normalises `raw`, keeping the original.
    pub fn new(raw: &str) -> Self {
        Text {
            original: raw.to_owned(),
            value: normalize(raw),
        }
    }
}

/// True for the characters whose NFKC form is safe to take (see the module docs).
fn is_width_variant(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}' | '\u{FF61}'..='\u{FF9F}')
}

/// Half-width voiced / semi-voiced sound marks (ﾞ ﾟ).
fn is_halfwidth_sound_mark(c: char) -> bool {
    matches!(c, '\u{FF9E}' | '\u{FF9F}')
}

/// Full-width kana a half-width ﾞ/ﾟ may follow (カﾞ → ガ).
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}')
}

/// A search key: width (ｱ/ア, Ａ/A), kana (ひらがな/カタカナ) and case folded, white space
/// but tabs removed, so what a clerk types finds the name however it was written. Tabs are kept
/// so that fields joined by a tab do not run into each other.
pub fn fold_search(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() || *c == '\t')
        .map(|c| match c {
            // Hiragana → katakana (the blocks are 0x60 apart).
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Folds width variants only: full-width ASCII and space → half-width, half-width katakana →
/// full-width. No trimming.
pub fn fold_width(raw: &str) -> String {
    if !raw.chars().any(is_width_variant) {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut run = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_width_variant(c) {
            out.push(c);
            continue;
        }
        run.clear();
        // A sound mark right after a full-width kana composes with it.
        if is_halfwidth_sound_mark(c) {
            if let Some(prev) = out.chars().last().filter(|p| is_kana(*p)) {
                out.pop();
                run.push(prev);
            }
        }
        run.push(c);
        while let Some(&next) = chars.peek() {
            if !is_width_variant(next) {
                break;
            }
            run.push(next);
            chars.next();
        }
        out.extend(run.nfkc());
    }
    out
}

/// Normalises a cell: [`fold_width`], drops zero-width characters, trims, and collapses every
/// run of whitespace (including line breaks inside a cell) to one space.
pub fn normalize(raw: &str) -> String {
    let folded = fold_width(raw);
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for c in folded.chars() {
        if matches!(c, '\u{200B}' | '\u{FEFF}') {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// A digits-only field such as an employee number: full-width digits become half-width, spaces
/// around are trimmed, leading zeros are kept. `None` when anything but digits remains or the
/// field is blank.
pub fn digits_only(raw: &str) -> Option<String> {
    let value = normalize(raw);
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Some(value)
    } else {
        None
    }
}

/// The key a header cell is matched by: width folded, lower-case, whitespace removed. So
/// `ＥＭＰＬＯＹＥＥ_ＮＯ`, `Employee_No` and `employee_no` are the same header, as are `社員 番号` and
/// `社員番号`.
pub fn header_key(raw: &str) -> String {
    normalize(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(f(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn search_folds_width_kana_and_case() {
        assert_eq!(fold_search("ﾔﾏﾀﾞ ﾀﾛｳ"), fold_search("やまだたろう"));
        assert_eq!(fold_search("ＡＢＣ０１２"), "abc012");
        assert!(fold_search("000123\t山田 太郎\tヤマダ タロウ").contains(&fold_search("やまだ")));
    }

    #[test]
    fn normalize_cases() {
        check(
            normalize,
            &[
                ("", ""),
                ("   ", ""),
                ("山田　太郎", "山田 太郎"),
                ("  山田  \t 太郎 \r\n", "山田 太郎"),
                ("０１２３４５６７８９", "0123456789"),
                ("ＡＢＣｘｙｚ", "ABCxyz"),
                ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
                ("ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟ", "ガギグゲゴ パピ"),
                ("ｰ｡｢｣､･", "ー。「」、・"),
                ("カﾞ", "ガ"),
                ("（株）", "(株)"),
                ("〒１０３－００２７", "〒103-0027"),
                ("ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ", "abc@example.com"),
                // Kept as written: not width variants.
                ("①㈱", "①㈱"),
                ("\u{FA19}", "\u{FA19}"),
                ("髙橋 﨑", "髙橋 﨑"),
                ("ヤマダ", "ヤマダ"),
                ("\u{FEFF}社員番号", "社員番号"),
            ],
        );
    }

    #[test]
    fn header_key_cases() {
        check(
            header_key,
            &[
                ("社員番号", "社員番号"),
                (" 社員 番号 ", "社員番号"),
                ("ＥＭＰＬＯＹＥＥ＿ＮＯ", "employee_no"),
                ("Employee_No", "employee_no"),
                ("ﾌﾘｶﾞﾅ", "フリガナ"),
            ],
        );
    }

    #[test]
    fn digits_only_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            ("000101", Some("000101")),
            ("０００１０１", Some("000101")),
            (" 0101 ", Some("0101")),
            ("", None),
            ("  ", None),
            ("A0101", None),
            ("01 01", None),
            ("-1", None),
            ("１２３４５", Some("12345")),
        ];
        for (input, expected) in cases {
            assert_eq!(digits_only(input).as_deref(), *expected, "input {input:?}");
        }
    }

    #[test]
    fn text_keeps_original() {
        let t = Text::new(" ﾔﾏﾀﾞ ");
        assert_eq!(t.original, " ﾔﾏﾀﾞ ");
        assert_eq!(t.value, "ヤマダ");
    }
}
