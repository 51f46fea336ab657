//! `cargo run --release -p infoone-sample --example large_group [MEMBERS OFFICES DIR]`: generate
//! and write the 300,000-member, 2,000-office group, printing how long each step took.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let members = args.first().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let offices = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let dir = args.get(2).map_or_else(
        || std::env::temp_dir().join("infoone-large-group"),
        std::path::PathBuf::from,
    );
    let t = Instant::now();
    let s = infoone_sample::generate(&infoone_sample::SampleSpec::new(members, offices, 1));
    let generated = t.elapsed();
    if let Err(e) = infoone_sample::write_all(&s, &dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    println!(
        "{members} members / {offices} offices: generate {generated:?}, write {:?}; {} enrollments, {} billed → {}",
        t.elapsed() - generated,
        s.package.enrollments.len(),
        s.package.billed.len(),
        dir.display()
    );
}
