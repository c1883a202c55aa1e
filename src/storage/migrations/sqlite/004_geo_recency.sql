-- Bounding-box searches answer "the newest requests in this box". The R*Tree
-- of 003 could only list every request in the box (about 1 % of the table for
-- a city block) before the newest were picked. Its third axis is now the
-- creation time, in units of 3e14 µs (about 9.5 years), so that a year spans
-- about 0.1 — as much as the latitudes of a town: the tree then splits on place
-- and time alike, and the store asks for the box over the most recent days
-- first, widening the window only when the page is not full (sql_store.cpp).
-- The update trigger now fires only when the coordinates really change, not
-- on every status change.
DROP TRIGGER requests_geo_insert;
DROP TRIGGER requests_geo_update;
DROP TRIGGER requests_geo_delete;
DROP TABLE requests_geo;

CREATE VIRTUAL TABLE requests_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon, min_t, max_t);
INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_t, max_t)
  SELECT id, lat, lat, lon, lon, created_at / 3e14, created_at / 3e14 FROM requests
  WHERE lat IS NOT NULL AND lon IS NOT NULL;
CREATE TRIGGER requests_geo_insert AFTER INSERT ON requests
  WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL
BEGIN
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_t, max_t)
    VALUES (new.id, new.lat, new.lat, new.lon, new.lon, new.created_at / 3e14, new.created_at / 3e14);
END;
CREATE TRIGGER requests_geo_update AFTER UPDATE OF lat, lon ON requests
  WHEN old.lat IS NOT new.lat OR old.lon IS NOT new.lon
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_t, max_t)
    SELECT new.id, new.lat, new.lat, new.lon, new.lon, new.created_at / 3e14, new.created_at / 3e14
    WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL;
END;
CREATE TRIGGER requests_geo_delete AFTER DELETE ON requests
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
END;
