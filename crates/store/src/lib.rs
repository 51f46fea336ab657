//! The local SQLite cache: versioned migrations, the month state machine, the audit log.
