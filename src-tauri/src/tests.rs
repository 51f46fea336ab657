//! The committed TypeScript bindings are the ones the Rust types give: a change to a command or
//! a type without `UPDATE_BINDINGS=1 cargo test -p infoone-desktop` fails here.

#[test]
fn committed_bindings_match_the_rust_types() {
    let generated = match super::bindings() {
        Ok(t) => t,
        Err(e) => panic!("bindings could not be generated: {e}"),
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        if let Err(e) = std::fs::write(&path, &generated) {
            panic!("{}: {e}", path.display());
        }
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/bindings.ts is not what the Rust types give: run UPDATE_BINDINGS=1 cargo test -p infoone-desktop and commit it"
    );
    // Money crosses as integer yen: the bill's amounts are plain numbers.
    assert!(generated.contains("invoice_amount: number"));
    // Errors cross as {code, message}.
    assert!(generated.contains("export type AppError = {\n\tcode: ErrorCode,\n\tmessage: string,\n};"));
}
