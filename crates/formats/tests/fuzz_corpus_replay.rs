//! Every committed fuzz corpus file (crates/fuzz/corpus/<target>/) through its reader on the
//! stable toolchain: each must be accepted or refused with a positioned error naming the file,
//! never panic (docs/RELIABILITY.md). The corpus holds the inputs the fuzzer kept for coverage and
//! the inputs of every crash it found, so a fixed crash stays fixed.

use std::path::PathBuf;

use infoone_formats::fuzzing::{run, Target};

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(name);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_is_read_or_refused_with_a_position() {
    let mut failures = Vec::new();
    for (target, name) in Target::ALL {
        let files = corpus(name);
        assert!(!files.is_empty(), "no corpus for {name}");
        for (path, bytes) in files {
            match std::panic::catch_unwind(|| run(target, &bytes)) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(format!("{}: {e}", path.display())),
                Err(_) => failures.push(format!("{}: panicked", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_seed_files_are_accepted() {
    // The hand-made seeds are good files: the replay reads them, not only refuses them.
    let hr = corpus("hr_xlsx");
    let seed = hr.iter().find(|(p, _)| p.ends_with("hr_sheet.xml")).unwrap();
    let snapshot =
        infoone_formats::hr::read_hr_bytes("hr.xlsx", &infoone_formats::fuzzing::xlsx_with_sheet(&seed.1)).unwrap();
    assert_eq!(snapshot.rows.len(), 2);
    let roster = corpus("roster_xlsx");
    let seed = roster.iter().find(|(p, _)| p.ends_with("roster_sheet.xml")).unwrap();
    let read =
        infoone_formats::roster::read_roster_bytes("roster.xlsx", &infoone_formats::fuzzing::xlsx_with_sheet(&seed.1))
            .unwrap();
    assert_eq!(read.rows.len(), 2);
    let package = corpus("package_json");
    let seed = package
        .iter()
        .find(|(p, _)| p.ends_with("worked-example.json"))
        .unwrap();
    assert!(infoone_formats::package::parse_package("p.json", &seed.1).is_ok());
}
