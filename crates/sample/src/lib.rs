//! Deterministic sample group generator: bill package, HR files, deduction results.
