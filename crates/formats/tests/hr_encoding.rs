//! Encoding detection on real bytes: UTF-8 with and without BOM, cp932, and refusals.

use std::path::Path;

use infoone_formats::encoding::{decode, DecodeError, TextEncoding};

/// Decodes `bytes` and compares with the expected encoding and text.
fn check(bytes: &[u8], encoding: TextEncoding, text: &str) {
    let decoded = decode(bytes).unwrap_or_else(|e| panic!("refused {bytes:02X?}: {e}"));
    assert_eq!(decoded.encoding, encoding, "{text}");
    assert_eq!(decoded.text, text);
}

fn sjis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

#[test]
fn detects_without_asking() {
    let japanese = "社員番号,氏名\r\n000101,髙橋 ①子 ｶﾀｶﾅ ～－\r\n";
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(japanese.as_bytes());
    let cases: Vec<(Vec<u8>, TextEncoding, &str)> = vec![
        (
            b"employee_no,name\n1,Ann\n".to_vec(),
            TextEncoding::Utf8,
            "employee_no,name\n1,Ann\n",
        ),
        (Vec::new(), TextEncoding::Utf8, ""),
        (japanese.as_bytes().to_vec(), TextEncoding::Utf8, japanese),
        (bom, TextEncoding::Utf8Bom, japanese),
        (b"\xEF\xBB\xBF".to_vec(), TextEncoding::Utf8Bom, ""),
        (sjis(japanese), TextEncoding::Cp932, japanese),
        // cp932's NEC and IBM extensions, as Japanese Windows writes them.
        (vec![0x87, 0x40, 0xFB, 0xFC, 0xFA, 0xB1], TextEncoding::Cp932, "①髙﨑"),
        // Half-width katakana are single bytes in cp932.
        (vec![0xB6, 0xC0, 0xB6, 0xC5], TextEncoding::Cp932, "ｶﾀｶﾅ"),
    ];
    for (bytes, encoding, text) in cases {
        check(&bytes, encoding, text);
    }
}

#[test]
fn detects_the_committed_fixture_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hr");
    for (file, encoding) in [
        ("hr_cp932.csv", TextEncoding::Cp932),
        ("hr_utf8_bom.csv", TextEncoding::Utf8Bom),
    ] {
        let decoded = decode(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        assert_eq!(decoded.encoding, encoding, "{file}");
        assert!(decoded.text.contains("生年月日"), "{file}");
    }
}

/// Expected refusal: code, offset, line, bytes.
fn check_refused(bytes: &[u8], expected: (&str, Option<usize>, Option<usize>, Option<&str>)) {
    let e: DecodeError = decode(bytes).expect_err("accepted");
    assert_eq!(
        (e.code, e.offset, e.line, e.bytes.as_deref()),
        expected,
        "{bytes:02X?}: {e}"
    );
}

#[test]
fn refuses_with_the_position_of_the_first_bad_byte() {
    // A lead byte with a bad trail byte on line 3.
    let mut bad_trail = sjis("社員番号\r\n山田\r\n");
    let offset = bad_trail.len();
    bad_trail.extend_from_slice(b"\x82\xFF");
    check_refused(&bad_trail, ("F1002", Some(offset), Some(3), Some("0x82 0xFF")));
    // A lone lead byte at the very end.
    check_refused(b"abc\n\x82", ("F1002", Some(4), Some(2), Some("0x82")));
    // A byte that is no cp932 lead byte.
    check_refused(b"a,b\nc,\xFD", ("F1002", Some(6), Some(2), Some("0xFD")));
    // Bad UTF-8 after a UTF-8 BOM is not read as cp932.
    check_refused(b"\xEF\xBB\xBFab\n\x82\xA0", ("F1002", Some(6), Some(2), Some("0x82")));
    check_refused(b"\xFF\xFEa\0", ("F1003", None, None, None));
    check_refused(b"\xFE\xFF\0a", ("F1003", None, None, None));
}

#[test]
fn refusal_messages_are_clerk_readable() {
    let e = decode(b"abc\n\x82").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ファイル先頭から5バイト目がShift_JIS（Windows-31J）として読めません（UTF-8かShift_JISで保存し直してください）"
    );
    let e = decode(b"\xEF\xBB\xBFab\n\x82\xA0").unwrap_err();
    assert_eq!(
        e.to_string(),
        "ファイル先頭から7バイト目がUTF-8（BOM付き）として読めません（UTF-8かShift_JISで保存し直してください）"
    );
}
