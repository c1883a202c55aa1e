-- SQLite's full-text index (FTS5) now merges its segments incrementally (see
-- the SQLite migration of the same name). PostgreSQL's index is a GIN index
-- with nothing of the kind; this migration keeps the two schemas at the same
-- version.
SELECT 1;
