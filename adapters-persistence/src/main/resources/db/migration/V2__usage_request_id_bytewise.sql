-- The usage ledger's primary key compares request ids byte by byte instead of by the database's collation: they are
-- ASCII identifiers, never sorted for people, and every flush looks each one up twice (the conflict check and the
-- insert). With the collation, PostgreSQL spent about a fifth of its time in text comparisons during a load run.
-- Rebuilds the primary key index once.
ALTER TABLE usage_events ALTER COLUMN request_id TYPE text COLLATE "C";
