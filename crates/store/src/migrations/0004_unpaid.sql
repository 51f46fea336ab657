-- 未入金一覧 (DOMAIN.md §7): amounts owed and not paid after their due date, one row per party,
-- month and reason. Filled from the bank's Zengin result (振替不能, failed account transfers);
-- a row leaves the list when it is marked paid (the person paid another way) and stays in the
-- table with the date, so the history is kept. Reminders (督促状) issued for a row are dated here.
CREATE TABLE unpaid (
    id            INTEGER PRIMARY KEY,
    group_code    TEXT NOT NULL,
    month         TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    kind          TEXT NOT NULL CHECK (kind IN ('account_transfer')),
    party         TEXT NOT NULL CHECK (party IN ('person','office')),
    code          TEXT NOT NULL,          -- employee number (person) or office code
    name          TEXT NOT NULL,          -- the person's or office's name when it was listed
    office        TEXT NOT NULL,          -- the office the person belongs to
    amount        INTEGER NOT NULL CHECK (amount > 0),
    due_date      TEXT NOT NULL,          -- the debit date / the invoice's due date
    reason        TEXT NOT NULL,          -- the bank's result code and its label, e.g. "1 資金不足"
    reference     TEXT NOT NULL,          -- the Zengin 顧客番号
    source        TEXT NOT NULL,          -- the file it came from
    created_at    TEXT NOT NULL,
    paid_at       TEXT,                   -- date marked paid; NULL while unpaid
    paid_note     TEXT,
    first_notice  TEXT,                   -- date the first reminder was issued
    second_notice TEXT,                   -- date the second reminder was issued
    UNIQUE (group_code, kind, reference)
);
CREATE INDEX unpaid_open ON unpaid (group_code, paid_at);
