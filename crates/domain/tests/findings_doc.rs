//! docs/FINDINGS.md lists every finding code with its severity.

#[test]
fn every_finding_code_is_documented_with_its_severity() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/FINDINGS.md")).unwrap();
    for code in infoone_domain::finding::ALL {
        let row = format!("| {} | {} |", code.code, code.severity.name());
        assert!(doc.contains(&row), "docs/FINDINGS.md lacks the row {row}");
    }
    let mut codes: Vec<&str> = infoone_domain::finding::ALL.iter().map(|c| c.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes.len(),
        infoone_domain::finding::ALL.len(),
        "finding codes must be unique"
    );
}
