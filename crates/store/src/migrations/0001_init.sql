-- One row per (group, month) the clerk works on. The package is kept as loaded; the month's
-- current ledger is the package with the accepted changes replayed in order (see ARCHITECTURE.md).
CREATE TABLE months (
    id              INTEGER PRIMARY KEY,
    group_code      TEXT NOT NULL,
    month           TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    state           TEXT NOT NULL CHECK (state IN ('loaded','adjusting','confirmed','deducted','reported','closed')),
    package_version TEXT NOT NULL,
    package_file    TEXT NOT NULL,
    revision        INTEGER NOT NULL DEFAULT 0,  -- 0 until first confirmed; 2 = 第2版 after a reopen
    receipt         TEXT,                         -- the insurer's receipt number
    loaded_at       TEXT NOT NULL,
    UNIQUE (group_code, month)
);

-- The month's large documents, apart from the small months row so that a state change does not
-- rewrite them: the package as loaded, the bill as confirmed, the deduction outcome, the report.
CREATE TABLE month_documents (
    month_id INTEGER NOT NULL REFERENCES months(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('package','frozen_bill','deductions','report')),
    body     BLOB NOT NULL,
    PRIMARY KEY (month_id, kind)
);

-- Proposed, accepted and rejected changes, and notes (flags that are not changes).
CREATE TABLE changes (
    id          INTEGER PRIMARY KEY,
    month_id    INTEGER NOT NULL REFERENCES months(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('proposed','accepted','rejected','note')),
    source      TEXT NOT NULL,        -- file name, 'web', 'manual'
    employee_no TEXT,
    summary     TEXT NOT NULL,        -- one line a clerk reads
    payload     TEXT NOT NULL,        -- the change as JSON (formats::change)
    code        TEXT,                 -- finding code, for notes
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    applied_seq INTEGER               -- order in which accepted changes are replayed
);
CREATE INDEX changes_by_month ON changes (month_id, status);
CREATE INDEX changes_by_seq ON changes (month_id, applied_seq);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    group_code TEXT,
    month      TEXT,
    action     TEXT NOT NULL,
    entity     TEXT,
    key        TEXT,
    before     TEXT,
    after      TEXT,
    source     TEXT,
    detail     TEXT
);

-- The month state machine, below every caller: only these transitions are possible.
CREATE TRIGGER months_state_machine BEFORE UPDATE OF state ON months
WHEN NEW.state <> OLD.state AND NOT (
       (OLD.state = 'loaded'    AND NEW.state IN ('adjusting','confirmed'))
    OR (OLD.state = 'adjusting' AND NEW.state = 'confirmed')
    OR (OLD.state = 'confirmed' AND NEW.state IN ('adjusting','deducted'))
    OR (OLD.state = 'deducted'  AND NEW.state IN ('adjusting','reported'))
    OR (OLD.state = 'reported'  AND NEW.state = 'closed'))
BEGIN
    SELECT RAISE(ABORT, 'month state: transition not allowed');
END;

-- A confirmed (or later) month's changes are frozen: only an explicit reopen unfreezes them.
CREATE TRIGGER changes_frozen_insert BEFORE INSERT ON changes
WHEN (SELECT state FROM months WHERE id = NEW.month_id) NOT IN ('loaded','adjusting')
BEGIN
    SELECT RAISE(ABORT, 'month is confirmed: reopen it first');
END;
CREATE TRIGGER changes_frozen_update BEFORE UPDATE ON changes
WHEN (SELECT state FROM months WHERE id = NEW.month_id) NOT IN ('loaded','adjusting')
BEGIN
    SELECT RAISE(ABORT, 'month is confirmed: reopen it first');
END;
-- The package and the confirmed bill change only while the month is open; deduction results only
-- between confirmation and the report.
CREATE TRIGGER documents_guard_insert BEFORE INSERT ON month_documents
WHEN (NEW.kind IN ('package','frozen_bill')
      AND (SELECT state FROM months WHERE id = NEW.month_id) NOT IN ('loaded','adjusting'))
  OR (NEW.kind = 'deductions'
      AND (SELECT state FROM months WHERE id = NEW.month_id) NOT IN ('confirmed','deducted'))
BEGIN
    SELECT RAISE(ABORT, 'month is confirmed: reopen it first');
END;
CREATE TRIGGER documents_guard_update BEFORE UPDATE ON month_documents
WHEN (OLD.kind IN ('package','frozen_bill')
      AND (SELECT state FROM months WHERE id = OLD.month_id) NOT IN ('loaded','adjusting'))
  OR (OLD.kind = 'deductions'
      AND (SELECT state FROM months WHERE id = OLD.month_id) NOT IN ('confirmed','deducted'))
BEGIN
    SELECT RAISE(ABORT, 'month is confirmed: reopen it first');
END;
CREATE TRIGGER documents_guard_delete BEFORE DELETE ON month_documents
WHEN (OLD.kind IN ('package','frozen_bill')
      AND (SELECT state FROM months WHERE id = OLD.month_id) NOT IN ('loaded','adjusting'))
  OR (OLD.kind = 'deductions'
      AND (SELECT state FROM months WHERE id = OLD.month_id) NOT IN ('confirmed','deducted'))
BEGIN
    SELECT RAISE(ABORT, 'month is confirmed: reopen it first');
END;

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
