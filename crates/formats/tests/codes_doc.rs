//! docs/FINDINGS.md lists every file problem code the readers use.

#[test]
fn every_file_problem_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/FINDINGS.md")).unwrap();
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/error.rs")).unwrap();
    let mut codes: Vec<String> = src
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("pub const ")?
                .split('"')
                .nth(1)
                .map(str::to_string)
        })
        .collect();
    codes.extend([
        infoone_formats::deduction::AMOUNT.to_string(),
        infoone_formats::deduction::REASON.to_string(),
    ]);
    assert!(codes.len() > 20);
    for code in codes {
        assert!(doc.contains(&format!("| {code} |")), "docs/FINDINGS.md lacks {code}");
    }
}
