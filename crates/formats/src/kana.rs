//! Text in the Zengin character set (全銀協 JIS X 0201 subset, FORMATS.md "Zengin account-transfer
//! request"): digits, upper-case letters, half-width katakana with ﾞ ﾟ, space, and `( ) - .` in
//! names (bank and branch names: `-` only), written as single-byte cp932.
//!
//! [`to_zengin`] converts what a clerk or a package writes: full-width → half-width (ｶﾞ is two
//! bytes), hiragana → katakana, small kana → large (ｬ→ﾔ, ｯ→ﾂ), the long vowel and dashes → `-`,
//! lower-case → upper-case, `・` → `.` (a space in bank names), runs of spaces → one, trimmed.
//! Anything else (kanji, other symbols) is refused with the character, so nothing is guessed.
//! [`fit`] cuts to a field's width in bytes, never separating a kana from its ﾞ/ﾟ.

use std::fmt;

/// Which kind of Zengin field a text goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 委託者名, 預金者名: `( ) - .` allowed.
    Name,
    /// 銀行名, 支店名: `-` only (other punctuation becomes a space).
    BankName,
}

/// A character with no place in the Zengin character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadChar {
    pub ch: char,
    /// 0-based position in characters.
    pub index: usize,
}

impl fmt::Display for BadChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}文字目の「{}」（U+{:04X}）は全銀フォーマットで使えません（カナ・英大文字・数字・スペース・( ) - . で書いてください）",
            self.index + 1,
            self.ch,
            self.ch as u32
        )
    }
}

impl std::error::Error for BadChar {}

/// ﾞ and ﾟ as bytes.
pub const VOICED: u8 = 0xDE;
pub const SEMI_VOICED: u8 = 0xDF;

/// Full-width katakana U+30A0..=U+30FF → byte of the half-width (large) kana; 0 = not a plain
/// kana (voiced kana are decomposed before the lookup).
const fn katakana_table() -> [u8; 0x60] {
    // (offset from U+30A0, byte)
    let pairs: [(u8, u8); 58] = [
        (0x01, 0xB1),
        (0x02, 0xB1),
        (0x03, 0xB2),
        (0x04, 0xB2),
        (0x05, 0xB3),
        (0x06, 0xB3),
        (0x07, 0xB4),
        (0x08, 0xB4),
        (0x09, 0xB5),
        (0x0A, 0xB5),
        (0x0B, 0xB6),
        (0x0D, 0xB7),
        (0x0F, 0xB8),
        (0x11, 0xB9),
        (0x13, 0xBA),
        (0x15, 0xBB),
        (0x17, 0xBC),
        (0x19, 0xBD),
        (0x1B, 0xBE),
        (0x1D, 0xBF),
        (0x1F, 0xC0),
        (0x21, 0xC1),
        (0x23, 0xC2),
        (0x24, 0xC2),
        (0x26, 0xC3),
        (0x28, 0xC4),
        (0x2A, 0xC5),
        (0x2B, 0xC6),
        (0x2C, 0xC7),
        (0x2D, 0xC8),
        (0x2E, 0xC9),
        (0x2F, 0xCA),
        (0x32, 0xCB),
        (0x35, 0xCC),
        (0x38, 0xCD),
        (0x3B, 0xCE),
        (0x3E, 0xCF),
        (0x3F, 0xD0),
        (0x40, 0xD1),
        (0x41, 0xD2),
        (0x42, 0xD3),
        (0x43, 0xD4),
        (0x44, 0xD4),
        (0x45, 0xD5),
        (0x46, 0xD5),
        (0x47, 0xD6),
        (0x48, 0xD6),
        (0x49, 0xD7),
        (0x4A, 0xD8),
        (0x4B, 0xD9),
        (0x4C, 0xDA),
        (0x4D, 0xDB),
        (0x4E, 0xDC),
        (0x4F, 0xDC),
        (0x50, 0xB2),
        (0x51, 0xB4),
        (0x52, 0xA6),
        (0x53, 0xDD),
    ];
    let mut t = [0u8; 0x60];
    let mut i = 0;
    while i < pairs.len() {
        t[pairs[i].0 as usize] = pairs[i].1;
        i += 1;
    }
    t[0x55] = 0xB6; // ヵ → ｶ
    t[0x56] = 0xB9; // ヶ → ｹ
    t
}

const KATAKANA: [u8; 0x60] = katakana_table();

/// Voiced and semi-voiced katakana: (base offset, mark) for U+30A0 + offset.
fn voiced(c: char) -> Option<(char, u8)> {
    let cp = c as u32;
    let mark = match cp {
        // ガ..ヂ (even/odd alternate with their base), ヅ, デ, ド
        0x30AC..=0x30C2 if cp.is_multiple_of(2) => VOICED,
        0x30C5 | 0x30C7 | 0x30C9 => VOICED,
        // バ/パ, ビ/ピ, ブ/プ, ベ/ペ, ボ/ポ
        0x30D0..=0x30DD => match (cp - 0x30CF) % 3 {
            1 => VOICED,
            2 => SEMI_VOICED,
            _ => return None,
        },
        0x30F4 => return Some(('ウ', VOICED)),
        0x30F7..=0x30FA => {
            let base = ['ワ', 'ヰ', 'ヱ', 'ヲ'][(cp - 0x30F7) as usize];
            return Some((base, VOICED));
        }
        _ => return None,
    };
    let base = if mark == VOICED { cp - 1 } else { cp - 2 };
    char::from_u32(base).map(|b| (b, mark))
}

/// The bytes of one character, or `None` when it has no place in the set. `b' '` for spaces.
fn convert(c: char, field: Field, out: &mut Vec<u8>) -> bool {
    let punct = |b: u8| if field == Field::Name { b } else { b' ' };
    match c {
        '0'..='9' | 'A'..='Z' => out.push(c as u8),
        'a'..='z' => out.push(c.to_ascii_uppercase() as u8),
        ' ' | '\u{3000}' | '\t' => out.push(b' '),
        '(' | ')' | '.' => out.push(punct(c as u8)),
        // Long vowel and dashes.
        '-' | '\u{30FC}' | '\u{FF70}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' | '\u{FE63}' => out.push(b'-'),
        // Middle dots.
        '\u{30FB}' | '\u{FF65}' | '\u{00B7}' => out.push(punct(b'.')),
        // ｡ (half-width full stop) reads as a dot.
        '\u{FF61}' => out.push(punct(b'.')),
        // Full-width ASCII.
        '\u{FF01}'..='\u{FF5E}' => {
            let a = char::from_u32(c as u32 - 0xFEE0).unwrap_or('\0');
            return convert(a, field, out);
        }
        // Hiragana → katakana.
        '\u{3041}'..='\u{3096}' => {
            let k = char::from_u32(c as u32 + 0x60).unwrap_or('\0');
            return convert(k, field, out);
        }
        'ゝ' | 'ゞ' | 'ヽ' | 'ヾ' => return false,
        '\u{30A1}'..='\u{30FA}' => {
            if let Some((base, mark)) = voiced(c) {
                let b = KATAKANA[(base as u32 - 0x30A0) as usize];
                out.extend([b, mark]);
            } else {
                let b = KATAKANA[(c as u32 - 0x30A0) as usize];
                if b == 0 {
                    return false;
                }
                out.push(b);
            }
        }
        // Sound marks: combining, spacing, half-width.
        '\u{3099}' | '\u{309B}' | '\u{FF9E}' => out.push(VOICED),
        '\u{309A}' | '\u{309C}' | '\u{FF9F}' => out.push(SEMI_VOICED),
        // Half-width katakana: small → large.
        '\u{FF66}' => out.push(0xA6),
        '\u{FF67}'..='\u{FF6B}' => out.push(0xB1 + (c as u32 - 0xFF67) as u8),
        '\u{FF6C}'..='\u{FF6E}' => out.push(0xD4 + (c as u32 - 0xFF6C) as u8),
        '\u{FF6F}' => out.push(0xC2),
        '\u{FF71}'..='\u{FF9D}' => out.push((c as u32 - 0xFEC0) as u8),
        _ => return false,
    }
    true
}

/// `text` in the Zengin character set as single bytes: spaces collapsed and trimmed, not cut.
pub fn to_zengin(text: &str, field: Field) -> Result<Vec<u8>, BadChar> {
    let mut raw = Vec::with_capacity(text.len());
    for (index, ch) in text.chars().enumerate() {
        if !convert(ch, field, &mut raw) {
            return Err(BadChar { ch, index });
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    for b in raw {
        if b == b' ' && out.last().is_none_or(|l| *l == b' ') {
            continue;
        }
        out.push(b);
    }
    if out.last() == Some(&b' ') {
        out.pop();
    }
    Ok(out)
}

/// Whether a byte may appear in a Zengin text field of this kind.
pub fn allowed(b: u8, field: Field) -> bool {
    match b {
        b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'-' | 0xA6 | 0xB1..=0xDF => true,
        b'(' | b')' | b'.' => field == Field::Name,
        _ => false,
    }
}

/// `bytes` cut to at most `width` bytes, never between a kana and its ﾞ/ﾟ; and whether it was cut.
pub fn cut(bytes: &[u8], width: usize) -> (&[u8], bool) {
    if bytes.len() <= width {
        return (bytes, false);
    }
    let mut end = width;
    if matches!(bytes[end], VOICED | SEMI_VOICED) && end > 0 {
        end -= 1;
    }
    (&bytes[..end], true)
}

/// Appends `bytes` left-aligned in a field of `width` bytes (cut by [`cut`], space-filled);
/// returns whether it was cut.
pub fn fit(out: &mut Vec<u8>, bytes: &[u8], width: usize) -> bool {
    let (kept, was_cut) = cut(bytes, width);
    out.extend_from_slice(kept);
    out.resize(out.len() + (width - kept.len()), b' ');
    was_cut
}

/// Single-byte Zengin text as Unicode (half-width katakana), for messages and tests.
pub fn to_unicode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0xA1..=0xDF => char::from_u32(0xFEC0 + u32::from(b)).unwrap_or('?'),
            0x20..=0x7E => b as char,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(s: &str) -> String {
        to_unicode(&to_zengin(s, Field::Name).unwrap())
    }

    #[test]
    fn converts_full_width_small_voiced_and_long_vowel() {
        assert_eq!(z("ヤマダ　タロウ"), "ﾔﾏﾀﾞ ﾀﾛｳ");
        assert_eq!(z("きょうこ"), "ｷﾖｳｺ");
        assert_eq!(z("ジョン・スミス"), "ｼﾞﾖﾝ.ｽﾐｽ");
        assert_eq!(z("パーカー"), "ﾊﾟ-ｶ-");
        assert_eq!(z("ﾊﾟｰｶｰ ｯｬ"), "ﾊﾟ-ｶ- ﾂﾔ");
        assert_eq!(z("ヴィ"), "ｳﾞｲ");
        assert_eq!(z("ｻﾝﾌﾟﾙ(ｶ"), "ｻﾝﾌﾟﾙ(ｶ");
        assert_eq!(z("（カ）ｻﾝﾌﾟﾙ"), "(ｶ)ｻﾝﾌﾟﾙ");
        assert_eq!(z("abc ＡＢＣ１２３"), "ABC ABC123");
        assert_eq!(z("  ﾔﾏﾀﾞ   ﾀﾛｳ  "), "ﾔﾏﾀﾞ ﾀﾛｳ");
        assert_eq!(z("ヲヰヱヵヶヮ"), "ｦｲｴｶｹﾜ");
        // Decomposed (NFD) input.
        assert_eq!(z("カ\u{3099}"), "ｶﾞ");
        // Every voiced kana.
        assert_eq!(
            z("ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポ"),
            "ｶﾞｷﾞｸﾞｹﾞｺﾞｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"
        );
        assert_eq!(
            z("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"),
            "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ"
        );
        assert_eq!(z("ァィゥェォッャュョ"), "ｱｲｳｴｵﾂﾔﾕﾖ");
    }

    #[test]
    fn bank_names_take_dash_only() {
        let b = to_zengin("クレデイ．アグリコル (ｶ)", Field::BankName).unwrap();
        assert_eq!(to_unicode(&b), "ｸﾚﾃﾞｲ ｱｸﾞﾘｺﾙ ｶ");
        assert!(b.iter().all(|&x| allowed(x, Field::BankName)));
    }

    #[test]
    fn refuses_kanji_and_symbols_with_position() {
        let e = to_zengin("ﾔﾏﾀﾞ 太郎", Field::Name).unwrap_err();
        assert_eq!((e.ch, e.index), ('太', 5));
        assert!(e.to_string().contains("U+592A"));
        assert!(to_zengin("A/B", Field::Name).is_err());
        assert!(to_zengin("A,B", Field::Name).is_err());
        assert!(to_zengin("ゝ", Field::Name).is_err());
    }

    #[test]
    fn cut_never_separates_a_sound_mark() {
        let b = to_zengin("ｱｲｳｴｵｶﾞ", Field::Name).unwrap();
        assert_eq!(b.len(), 7);
        let (kept, cut_) = cut(&b, 6);
        assert!(cut_);
        assert_eq!(to_unicode(kept), "ｱｲｳｴｵ");
        assert_eq!(to_unicode(cut(&b, 7).0), "ｱｲｳｴｵｶﾞ");
        let mut out = Vec::new();
        assert!(fit(&mut out, &b, 6));
        assert_eq!(out, b"\xB1\xB2\xB3\xB4\xB5 ");
    }
}
