-- PostgreSQL counterpart of store's 0005_durability.sql (the insurer's part).

-- Receipt numbers never repeat: each comes from this sequence (nextval never hands a number out
-- twice, whatever happens to the reports' rows or the transaction that took it), seeded past every
-- receipt issued so far.
CREATE SEQUENCE srv_receipt_numbers AS BIGINT;
SELECT setval('srv_receipt_numbers', COALESCE((SELECT MAX(id) FROM srv_reports), 0) + 1, false);

-- API tokens expire and can be revoked.
ALTER TABLE srv_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE srv_tokens ADD COLUMN revoked_at TEXT;
