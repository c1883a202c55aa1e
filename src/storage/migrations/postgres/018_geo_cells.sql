-- SQLite's bounding-box searches moved from an R*Tree to a grid of cells in
-- 018 (see the SQLite migration of the same name). PostgreSQL answers them
-- with the B-tree on (lat, lon) of 003 and needs no change; this migration
-- keeps the two schemas at the same version.
SELECT 1;
