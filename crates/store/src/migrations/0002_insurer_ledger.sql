-- The insurer's side (`infoone server`): the authoritative ledger of each group, the result reports
-- received, payments, API tokens. Entities are kept in the bill package's JSON form
-- (`formats::package`), one row each, in the order the package lists them (`seq`), so the package
-- the server computes for a month reads them back as they were loaded. Every write also goes to
-- `audit_log` (0001).

CREATE TABLE srv_groups (
    code          TEXT PRIMARY KEY,
    doc           TEXT NOT NULL,      -- package `group` (settings, payee and collection accounts)
    current_month TEXT NOT NULL CHECK (current_month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    issued_on     TEXT NOT NULL,      -- `issued_on` of the package for current_month
    rev           INTEGER NOT NULL DEFAULT 1,  -- bumped by every write to the ledger
    updated_at    TEXT NOT NULL
);

CREATE TABLE srv_offices (
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (group_code, code)
);

-- Group products with plans, rates and agent code.
CREATE TABLE srv_products (
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (group_code, code)
);

-- `doc.office` is the office on the 1st of `base_month`; `transfers` (JSON [[from_month, office]])
-- the moves applied since, so the package of any later month has the office of its 1st.
CREATE TABLE srv_members (
    group_code  TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    employee_no TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    base_month  TEXT NOT NULL,
    doc         TEXT NOT NULL,
    transfers   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (group_code, employee_no)
) WITHOUT ROWID;

CREATE TABLE srv_enrollments (
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (group_code, id)
) WITHOUT ROWID;

-- Web applications: pending until a reported join takes them, or the month they were offered in
-- is reported without them (not_taken).
CREATE TABLE srv_applications (
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','joined','not_taken')),
    PRIMARY KEY (group_code, id)
);

-- Billed per enrollment and month, net of later adjustments (DOMAIN.md §4): one row per month,
-- `doc` the JSON array `[[enrollment, office, amount], …]` in the order billed. A month's entries
-- are read and written together (the package of month N carries N − retro_limit … N − 1), and a
-- 300,000-member month is one write instead of 450,000.
CREATE TABLE srv_billed (
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    month      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (group_code, month)
);

-- Later adjustments (retroactive lines) to a month's billed amounts, in the order made: added to
-- the month's `srv_billed` entries when the package is computed.
CREATE TABLE srv_billed_adjust (
    id         INTEGER PRIMARY KEY,
    group_code TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    month      TEXT NOT NULL,
    enrollment TEXT NOT NULL,
    office     TEXT NOT NULL,
    amount     INTEGER NOT NULL
);
CREATE INDEX srv_billed_adjust_by_month ON srv_billed_adjust (group_code, month);

-- Undeducted amounts carried to the office bill of `month`.
CREATE TABLE srv_carry_over (
    group_code    TEXT NOT NULL REFERENCES srv_groups(code) ON DELETE CASCADE,
    month         TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    enrollment    TEXT NOT NULL,
    office        TEXT NOT NULL,
    origin_month  TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    times_carried INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_code, month, seq)
);

-- Versions of the packages the server has computed, with a digest per part, so a report made
-- from an older version can be told what changed.
CREATE TABLE srv_package_versions (
    group_code TEXT NOT NULL,
    version    TEXT NOT NULL,
    month      TEXT NOT NULL,
    summary    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (group_code, version)
);

-- One accepted result report per (group, month); the idempotency key is unique per group. `body`
-- is the report as received: its deduction results, changes and individual bills.
CREATE TABLE srv_reports (
    id              INTEGER PRIMARY KEY,
    group_code      TEXT NOT NULL,
    month           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    receipt_no      TEXT NOT NULL UNIQUE,
    received_at     TEXT NOT NULL,
    package_version TEXT NOT NULL,
    body            BLOB NOT NULL,
    UNIQUE (group_code, month),
    UNIQUE (group_code, idempotency_key)
);

CREATE TABLE srv_office_results (
    report_id         INTEGER NOT NULL REFERENCES srv_reports(id),
    group_code        TEXT NOT NULL,
    month             TEXT NOT NULL,
    office            TEXT NOT NULL,
    premium_total     INTEGER NOT NULL,
    fee               INTEGER NOT NULL,
    fee_tax           INTEGER NOT NULL,
    invoice_amount    INTEGER NOT NULL,
    undeducted        INTEGER NOT NULL,
    collected_fee     INTEGER NOT NULL,
    collected_fee_tax INTEGER NOT NULL,
    payable           INTEGER NOT NULL,
    PRIMARY KEY (group_code, month, office)
);

-- Individual bills (個別請求) the insurer issues: lump sums, and undeducted amounts not carried.
CREATE TABLE srv_individual_bills (
    report_id   INTEGER NOT NULL REFERENCES srv_reports(id),
    employee_no TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    due_date    TEXT,
    lines       TEXT NOT NULL
);

CREATE TABLE srv_payments (
    id          INTEGER PRIMARY KEY,
    group_code  TEXT NOT NULL,
    office      TEXT NOT NULL,
    month       TEXT NOT NULL,
    date        TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    payer_name  TEXT NOT NULL,
    reference   TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX srv_payments_by_month ON srv_payments (group_code, month, office);

-- API tokens, stored only as SHA-256 hashes (hex). A group token reaches only its group.
CREATE TABLE srv_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('staff','group')),
    group_code TEXT,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((role = 'group') = (group_code IS NOT NULL))
);
