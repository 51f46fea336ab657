//! What the reader bounds cost on a big honest file, and what a hostile one costs
//! (docs/RELIABILITY.md): `cargo run --release -p infoone-formats --example bench_hostile -- 300000`.

use std::time::Instant;

use infoone_formats::hr::read_hr_bytes;
use infoone_formats::limits::check_workbook_zip;
use rust_xlsxwriter::Workbook;

fn main() {
    let rows: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    let headers = [
        "社員番号",
        "氏名",
        "氏名カナ",
        "生年月日",
        "性別",
        "事業所コード",
        "在籍区分",
        "退職日",
    ];
    for (c, h) in (0u16..).zip(headers) {
        sheet.write_string(0, c, h).expect("header");
    }
    for r in 1..=rows {
        let no = format!("{r:06}");
        let cells = [
            no.as_str(),
            "山田 太郎",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            "1980-01-02",
            "男",
            "O001",
            "在籍",
            "",
        ];
        for (c, v) in (0u16..).zip(cells) {
            if !v.is_empty() {
                sheet.write_string(r, c, v).expect("cell");
            }
        }
    }
    let bytes = workbook.save_to_buffer().expect("save");
    println!("{rows} rows: {} bytes as xlsx", bytes.len());
    let t = Instant::now();
    check_workbook_zip("hr.xlsx", &bytes).expect("honest file passes");
    println!(
        "check_workbook_zip (decompress + address scan): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let snapshot = read_hr_bytes("hr.xlsx", &bytes).expect("honest file reads");
    println!(
        "read_hr_bytes (check + stream + parse): {:.2} s, {} rows",
        t.elapsed().as_secs_f64(),
        snapshot.rows.len()
    );

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "社員番号").expect("header");
    sheet.write_string(1_048_575, 16_383, "x").expect("cell");
    let bytes = workbook.save_to_buffer().expect("save");
    let t = Instant::now();
    let err = read_hr_bytes("hr.xlsx", &bytes).expect_err("refused");
    println!(
        "hostile {} bytes (cell at XFD1048576): refused in {:.4} s: {err}",
        bytes.len(),
        t.elapsed().as_secs_f64()
    );
}
