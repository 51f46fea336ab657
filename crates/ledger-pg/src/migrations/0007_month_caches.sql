-- PostgreSQL counterpart of store's 0007_month_caches.sql: that table is the clerk's desktop
-- cache and has no part in the insurer's ledger; the version is kept in step.
SELECT 1;
