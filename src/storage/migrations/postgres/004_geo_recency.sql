-- SQLite's bounding-box R*Tree gained a time axis in 004 (see the SQLite
-- migration of the same name). PostgreSQL answers the same searches with the
-- B-tree on (lat, lon) of 003 and needs no change; this migration keeps the
-- two schemas at the same version.
SELECT 1;
