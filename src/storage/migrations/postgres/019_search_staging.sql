-- SQLite's full-text index is written once per commit from 019 on (see the
-- SQLite migration of the same name). PostgreSQL's GIN index already keeps a
-- pending list of its own; this migration keeps the two schemas at the same
-- version.
SELECT 1;
