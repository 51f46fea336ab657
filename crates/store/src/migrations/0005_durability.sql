-- Issue 9 "nothing crashes, nothing is lost".

-- Receipt numbers never repeat: each comes from this AUTOINCREMENT sequence (SQLite never hands
-- out an AUTOINCREMENT id twice, even after the row with the largest id is deleted), not from
-- MAX(id) + 1 over the reports. Seeded past every receipt issued so far.
CREATE TABLE srv_receipt_numbers (
    n         INTEGER PRIMARY KEY AUTOINCREMENT,
    issued_at TEXT NOT NULL
);
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'srv_receipt_numbers', COALESCE(MAX(id), 0) FROM srv_reports;

-- API tokens expire and can be revoked (NULL expires_at: never, for tokens made before this).
ALTER TABLE srv_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE srv_tokens ADD COLUMN revoked_at TEXT;

-- The clerk's outbox: a process that is sending an entry holds it (claimed_by, until
-- claimed_until, unix seconds), so a second process on the same database does not send it too.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
