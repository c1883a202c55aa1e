-- SQLite's store now indexes and counts a new request itself (see the SQLite
-- migration of the same name). PostgreSQL keeps its triggers; this migration
-- keeps the two schemas at the same version.
SELECT 1;
