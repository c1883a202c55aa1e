-- SQLite's full-text index merges its segments less often from 015 on (see
-- the SQLite migration of the same name). PostgreSQL's GIN index has no such
-- setting to change; this migration keeps the two schemas at the same version.
SELECT 1;
