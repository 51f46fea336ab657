-- Issue 10: the desktop opens on the month's figures without parsing its package.
-- The month's bill summary (totals, findings, due date, offices: what the dashboard shows) as last
-- computed, with a hash of everything it was computed from (infoone-app's summary key). A cache,
-- never the record: a summary whose key differs from the month's current key is not used.
CREATE TABLE month_summaries (
    month_id INTEGER PRIMARY KEY REFERENCES months(id) ON DELETE CASCADE,
    key      BLOB NOT NULL,
    body     TEXT NOT NULL
);
