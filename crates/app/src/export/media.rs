//! Payroll deduction data (電子媒体): csv (cp932 + CRLF, or UTF-8 with BOM) and xlsx.
//!
//! One file per deduction destination (控除先): each payroll gets only its own employees, named
//! `media_<group>_<YYYY-MM>_<控除先コード>.csv` (and `.xlsx`). Every destination of the group's
//! offices gets its file, a header-only one when nobody is deducted there, so a payroll clerk
//! never wonders whether a file went missing. Nothing is written when any file would be refused.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_formats::media::{self, Encoding};
use infoone_store::Store;

use super::{month_data, on_every_core, out_file, write_file, ExportSummary, MonthData};
use crate::{AppError, MonthRef, Result};

/// How to write the media.
#[derive(Clone, Debug, Default)]
pub struct MediaOptions {
    /// UTF-8 with BOM instead of cp932.
    pub utf8: bool,
    /// Also write xlsx.
    pub xlsx: bool,
}

/// A file-name-safe form of a code (`/`, spaces … become `_`).
fn safe(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn media(
    store: &mut Store,
    at: &MonthRef,
    out: &Path,
    opts: &MediaOptions,
    _now: NaiveDateTime,
) -> Result<ExportSummary> {
    let d = month_data(store, at)?;
    let made = make(&d, opts);
    // The ledger back to the process's cache for the next step (month-end, the desktop).
    store.read(|tx| crate::keep_ledger(tx, &d.row, d.ledger))?;
    let (files, notes, records) = made?;
    // One folder, 1,500 files for a big group: written on every core.
    if let Some((name, _)) = files.first() {
        out_file(out, name)?; // creates the folder
    }
    on_every_core(&files, "電子媒体の書き出し", |(name, bytes)| {
        write_file(&out.join(name), bytes)
    })?
    .into_iter()
    .collect::<Result<()>>()?;
    let written: Vec<String> = files
        .iter()
        .map(|(name, _)| out.join(name).display().to_string())
        .collect();
    Ok(ExportSummary {
        kind: "media".into(),
        files: written,
        records,
        notes,
    })
}

/// Every file in memory: (name, bytes), notes, rows.
type Made = (Vec<(String, Vec<u8>)>, Vec<String>, usize);

fn make(d: &MonthData, opts: &MediaOptions) -> Result<Made> {
    let products: Vec<(String, String)> = d
        .package
        .group_products
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect();
    let month = d.row.month;
    let people = d.ledger.members.values().map(|m| media::Person {
        employee_no: &m.employee_no,
        name: &m.name,
        office: m.office_in(month),
    });
    let m = media::build(&d.bill, &products, people);
    let encoding = if opts.utf8 { Encoding::Utf8Bom } else { Encoding::Cp932 };

    // Every file is made before any is written: a refusal leaves the folder as it was.
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut records = 0;
    let mut stems = Vec::with_capacity(m.destinations.len());
    let mut names = std::collections::BTreeSet::new();
    for (dest, rows) in &m.destinations {
        let mut stem = format!("media_{}_{}_{}", safe(&d.row.group_code), month, safe(dest));
        if !names.insert(stem.clone()) {
            stem = format!("{stem}_{}", names.len());
            names.insert(stem.clone());
        }
        stems.push((stem, *dest, rows));
    }
    // The csv files are independent: encoded on every core, collected in order.
    let encoded = on_every_core(&stems, "電子媒体の作成", |(stem, _, rows)| {
        let csv_name = format!("{stem}.csv");
        let made = media::csv(&csv_name, &m.products, rows, encoding);
        (csv_name, made)
    })?;
    for ((csv_name, made), (_, dest, rows)) in encoded.into_iter().zip(&stems) {
        match made {
            Ok((bytes, replaced)) => {
                notes.extend(replaced.iter().map(|r| format!("{csv_name}: {r}")));
                files.push((csv_name, bytes));
            }
            Err(e) => errors.push(e.to_string()),
        }
        if rows.is_empty() {
            notes.push(format!(
                "控除先{dest}: 控除する人はいません（見出しだけのファイルです）"
            ));
        }
        records += rows.len();
    }
    if opts.xlsx && errors.is_empty() {
        // Workbooks are independent too.
        let made = on_every_core(&stems, "xlsxの作成", |(stem, dest, rows)| {
            media::xlsx(dest, &m.products, rows)
                .map(|b| (format!("{stem}.xlsx"), b))
                .map_err(AppError::refused)
        })?;
        for f in made {
            files.push(f?);
        }
    }
    if !errors.is_empty() {
        return Err(AppError::refused(format!(
            "電子媒体を書き出せません（何も書き出していません）\n{}",
            errors.join("\n")
        )));
    }
    Ok((files, notes, records))
}
