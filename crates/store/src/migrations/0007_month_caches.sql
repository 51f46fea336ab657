-- Issue 10: the members table of a 300,000-member month without replaying its ledger.
-- What the clerk's window keeps of a month between two starts, by kind (`members`: the members
-- table's rows with their search keys), with a hash of everything it was made from. A cache,
-- never the record: a body whose key differs from the month's current key is not used, and a
-- missing one is made again.
CREATE TABLE month_caches (
    month_id INTEGER NOT NULL REFERENCES months(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    key      BLOB NOT NULL,
    body     BLOB NOT NULL,
    PRIMARY KEY (month_id, kind)
);
