-- The clerk's side of the insurer API (issue 4): where each group's server is, and the outbox of
-- result reports waiting to be sent. The API token is NOT here: it lives in the OS keyring only.

-- One row per group the clerk has logged in for: the insurer API's base URL and, for an insurer
-- with a private CA, the CA certificate file to trust in addition to the OS roots.
CREATE TABLE servers (
    group_code TEXT PRIMARY KEY,
    url        TEXT NOT NULL CHECK (url LIKE 'https://%'),
    ca_file    TEXT,
    updated_at TEXT NOT NULL
);

-- Result reports to send. The same idempotency key is sent on every attempt, so a retry after a
-- dropped connection gets the receipt of the first attempt instead of a second report.
--   queued:     waiting to be sent (again)
--   sent:       the insurer answered with a receipt (final)
--   failed:     the insurer refused it (409/422); last_error is its message
--   superseded: the month was reopened and reconfirmed before it went out
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    group_code      TEXT NOT NULL,
    month           TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    revision        INTEGER NOT NULL,
    package_version TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued','sent','failed','superseded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    error_code      TEXT,
    receipt_no      TEXT,
    receipt         TEXT,                 -- the insurer's receipt as JSON
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Never two reports for one month: at most one entry per month is queued or sent.
CREATE UNIQUE INDEX outbox_one_report_per_month ON outbox (group_code, month)
    WHERE status IN ('queued','sent');

-- A month already reported is not queued again.
CREATE TRIGGER outbox_not_after_reported BEFORE INSERT ON outbox
WHEN (SELECT state FROM months WHERE group_code = NEW.group_code AND month = NEW.month)
     IN ('reported','closed')
BEGIN
    SELECT RAISE(ABORT, 'outbox: month already reported');
END;

-- A sent report is final: its receipt never changes and it is never sent again.
CREATE TRIGGER outbox_sent_is_final BEFORE UPDATE ON outbox
WHEN OLD.status = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'outbox: a sent report is final');
END;
CREATE TRIGGER outbox_no_delete_sent BEFORE DELETE ON outbox
WHEN OLD.status = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'outbox: a sent report is final');
END;
