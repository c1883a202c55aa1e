-- SQLite's store now stages a new event's search document itself (see the
-- SQLite migration of the same name). PostgreSQL keeps its trigger; this
-- migration keeps the two schemas at the same version.
SELECT 1;
