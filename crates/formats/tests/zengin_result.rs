//! Reading the bank's result file (振替結果): codes, unknown codes held (never a crash), trailer
//! counts and sums checked with positioned errors, record length and order, files without line
//! breaks, and a property: whatever the codes, a file made consistently is read back as written.

use infoone_formats::zengin::{self, code, ResultCode, RECORD_LEN};

/// A data record: amount, customer number, result code.
fn data(amount: u64, customer: &str, result: u8) -> Vec<u8> {
    let mut r = b"20005".to_vec();
    r.extend(format!("{:<15}", "").bytes());
    r.extend(b"001");
    r.extend([b' '; 15 + 4]);
    r.extend(b"11234567");
    r.extend(b"\xBB\xC4\xB3 \xB2\xC1\xDB\xB3"); // ｻﾄｳ ｲﾁﾛｳ
    r.extend([b' '; 22]);
    r.extend(format!("{amount:010}1{customer:0>20}").bytes());
    r.push(result);
    r.extend([b' '; 8]);
    assert_eq!(r.len(), RECORD_LEN);
    r
}

fn header() -> Vec<u8> {
    let mut h = b"19101234567890".to_vec();
    h.extend([b' '; 40]);
    h.extend(b"12280001");
    h.extend([b' '; 15]);
    h.extend(b"001");
    h.extend([b' '; 15]);
    h.extend(b"17654321");
    h.extend([b' '; 17]);
    assert_eq!(h.len(), RECORD_LEN);
    h
}

fn trailer(counts: [u64; 6]) -> Vec<u8> {
    let [n, s, ok, oks, ng, ngs] = counts;
    format!("8{n:06}{s:012}{ok:06}{oks:012}{ng:06}{ngs:012}{:65}", "").into_bytes()
}

fn end() -> Vec<u8> {
    format!("9{:119}", "").into_bytes()
}

/// A consistent file for these (amount, code) records.
fn file(records: &[(u64, u8)]) -> Vec<u8> {
    let mut counts = [0u64; 6];
    let mut recs = vec![header()];
    for (i, (amount, c)) in records.iter().enumerate() {
        recs.push(data(*amount, &format!("202612{:014}", i + 1), *c));
        counts[0] += 1;
        counts[1] += amount;
        if *c == b'0' {
            counts[2] += 1;
            counts[3] += amount;
        } else {
            counts[4] += 1;
            counts[5] += amount;
        }
    }
    recs.push(trailer(counts));
    recs.push(end());
    join(&recs, b"\r\n")
}

fn join(recs: &[Vec<u8>], sep: &[u8]) -> Vec<u8> {
    recs.iter().flat_map(|r| r.iter().chain(sep).copied()).collect()
}

#[test]
fn every_code_of_formats_md_is_read_and_others_are_held() {
    let codes = [b'0', b'1', b'2', b'3', b'4', b'8', b'9', b'5', b'X', b' '];
    let records: Vec<(u64, u8)> = codes.iter().enumerate().map(|(i, c)| (1000 + i as u64, *c)).collect();
    let r = zengin::read_result("kekka.txt", &file(&records)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.consignor_code, "1234567890");
    assert_eq!(r.debit_mmdd, "1228");
    let got: Vec<ResultCode> = r.records.iter().map(|x| x.code).collect();
    assert_eq!(
        got,
        vec![
            ResultCode::Debited,
            ResultCode::InsufficientFunds,
            ResultCode::NoAccount,
            ResultCode::StoppedByPayer,
            ResultCode::NoAuthorisation,
            ResultCode::StoppedByCollector,
            ResultCode::Other,
            ResultCode::Unknown(b'5'),
            ResultCode::Unknown(b'X'),
            ResultCode::Unknown(b' '),
        ]
    );
    let first = &r.records[0];
    assert_eq!(
        (first.record_no, first.amount, first.customer_no.as_str()),
        (2, 1000, "20261200000000000001")
    );
    assert_eq!(first.holder, "ｻﾄｳ ｲﾁﾛｳ");
    assert_eq!(
        (
            first.bank_code.as_str(),
            first.branch_code.as_str(),
            first.account_no.as_str()
        ),
        ("0005", "001", "1234567")
    );
    assert_eq!(ResultCode::InsufficientFunds.label(), "資金不足");
}

#[test]
fn lf_only_and_no_line_breaks_are_read_too() {
    let records = [(500, b'0'), (700, b'1')];
    let recs: Vec<Vec<u8>> = file(&records)
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect();
    for bytes in [
        join(&recs, b"\n"),
        join(&recs, b""),
        [join(&recs, b"\r\n"), vec![0x1A]].concat(),
    ] {
        let r = zengin::read_result("kekka.txt", &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.records.len(), 2);
    }
}

#[test]
fn a_trailer_that_disagrees_refuses_the_file_with_each_field_positioned() {
    let mut recs = vec![header(), data(1000, "1", b'0'), data(2500, "2", b'1')];
    recs.push(trailer([3, 3600, 1, 1000, 1, 2500]));
    recs.push(end());
    let e = zengin::read_result("kekka.txt", &join(&recs, b"\r\n")).unwrap_err();
    assert_eq!(e.codes(), vec![code::TRAILER, code::TRAILER]);
    let p = &e.problems[0];
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(4), Some("合計件数"), Some("000003"))
    );
    assert!(p.expected.contains("2です"), "{}", p.expected);
    let p = &e.problems[1];
    assert_eq!(
        (p.column.as_deref(), p.value.as_deref()),
        (Some("合計金額"), Some("000000003600"))
    );
    assert!(p.expected.contains("3500です"));
    assert!(
        e.to_string()
            .starts_with("kekka.txt 4行目 「合計件数」列: 値「000003」— データレコードから数えると2です"),
        "{e}"
    );

    // Debited and failed are checked as well.
    let recs = vec![
        header(),
        data(1000, "1", b'0'),
        data(2500, "2", b'1'),
        trailer([2, 3500, 2, 3500, 0, 0]),
        end(),
    ];
    let e = zengin::read_result("kekka.txt", &join(&recs, b"\r\n")).unwrap_err();
    let cols: Vec<&str> = e.problems.iter().filter_map(|p| p.column.as_deref()).collect();
    assert_eq!(cols, vec!["振替済件数", "振替済金額", "振替不能件数", "振替不能金額"]);
}

#[test]
fn bad_lengths_order_and_numbers_are_positioned() {
    // A short record.
    let mut recs = vec![
        header(),
        data(1000, "1", b'0'),
        trailer([1, 1000, 1, 1000, 0, 0]),
        end(),
    ];
    recs[1].pop();
    let e = zengin::read_result("k.txt", &join(&recs, b"\r\n")).unwrap_err();
    assert_eq!((e.codes(), e.problems[0].row), (vec![code::RECORD_LENGTH], Some(2)));
    assert!(e.problems[0].expected.contains("119バイト"));

    // Data after the trailer, no end record.
    let recs = vec![header(), trailer([0, 0, 0, 0, 0, 0]), data(1000, "1", b'0')];
    let e = zengin::read_result("k.txt", &join(&recs, b"\r\n")).unwrap_err();
    assert_eq!(e.codes(), vec![code::RECORD_ORDER, code::RECORD_ORDER]);
    assert_eq!(
        (e.problems[0].row, e.problems[0].value.as_deref()),
        (Some(3), Some("2"))
    );

    // No header.
    let recs = vec![data(1000, "1", b'0'), trailer([1, 1000, 1, 1000, 0, 0]), end()];
    let e = zengin::read_result("k.txt", &join(&recs, b"\r\n")).unwrap_err();
    assert!(e.codes().contains(&code::RECORD_ORDER));

    // An amount with letters; a kind other than 91.
    let mut recs = vec![
        header(),
        data(1000, "1", b'0'),
        trailer([1, 1000, 1, 1000, 0, 0]),
        end(),
    ];
    recs[1][85] = b'A';
    recs[0][1..3].copy_from_slice(b"21");
    let e = zengin::read_result("k.txt", &join(&recs, b"\r\n")).unwrap_err();
    assert!(
        e.codes().contains(&code::NUMBER) && e.codes().contains(&code::HEADER),
        "{e}"
    );
    let p = e.problems.iter().find(|p| p.code == code::NUMBER).unwrap();
    assert_eq!(
        (p.row, p.column.as_deref(), p.value.as_deref()),
        (Some(2), Some("引落金額"), Some("00000A1000"))
    );

    // Not a Zengin file at all: UTF-8 text, an empty file, a length not a multiple of 120.
    let e = zengin::read_result("k.txt", "振替結果\r\n".as_bytes()).unwrap_err();
    assert!(!e.problems.is_empty());
    assert_eq!(
        zengin::read_result("k.txt", b"").unwrap_err().codes(),
        vec![code::RECORD_LENGTH]
    );
    assert_eq!(
        zengin::read_result("k.txt", &[b'1'; 130]).unwrap_err().codes(),
        vec![code::RECORD_LENGTH]
    );
    let mut bytes = file(&[(100, b'0')]);
    bytes[20] = 0x82;
    assert_eq!(
        zengin::read_result("k.txt", &bytes).unwrap_err().codes(),
        vec![code::BYTES]
    );
}

#[test]
fn consistent_files_of_any_codes_and_amounts_are_read_back_as_written() {
    // A small deterministic sweep instead of a random one: many code/amount mixes.
    let codes = b"0123489X";
    for n in 0..40u64 {
        let records: Vec<(u64, u8)> = (0..n)
            .map(|i| ((i * 7919 + n * 31) % 10_000_000_000, codes[((i + n) % 8) as usize]))
            .collect();
        let r = zengin::read_result("k.txt", &file(&records)).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(r.records.len() as u64, n);
        for (rec, (amount, c)) in r.records.iter().zip(&records) {
            assert_eq!(rec.amount as u64, *amount);
            assert_eq!(rec.code, ResultCode::from_byte(*c));
        }
    }
}
