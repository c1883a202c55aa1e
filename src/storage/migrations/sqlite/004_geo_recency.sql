-- Bounding-box searches answer "the newest requests in this box". The R*Tree
-- of 003 could only list every request in the box (about 1 % of the table for
-- a city block) before the newest were picked. Its third axis is now the
-- request id, that is the order of arrival, scaled so that a million ids span
-- 0.1 — about as much as the latitudes of a town: the tree then splits on place
-- and recency alike, and the store asks for the box over the most recent ids
-- first, widening the window only when the page is not full (sql_store.cpp).
-- The update trigger now fires only when the coordinates really change, not
-- on every status change.
DROP TRIGGER requests_geo_insert;
DROP TRIGGER requests_geo_update;
DROP TRIGGER requests_geo_delete;
DROP TABLE requests_geo;

CREATE VIRTUAL TABLE requests_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon, min_seq, max_seq);
INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_seq, max_seq)
  SELECT id, lat, lat, lon, lon, id * 1e-7, id * 1e-7 FROM requests
  WHERE lat IS NOT NULL AND lon IS NOT NULL;
CREATE TRIGGER requests_geo_insert AFTER INSERT ON requests
  WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL
BEGIN
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_seq, max_seq)
    VALUES (new.id, new.lat, new.lat, new.lon, new.lon, new.id * 1e-7, new.id * 1e-7);
END;
CREATE TRIGGER requests_geo_update AFTER UPDATE OF lat, lon ON requests
  WHEN old.lat IS NOT new.lat OR old.lon IS NOT new.lon
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon, min_seq, max_seq)
    SELECT new.id, new.lat, new.lat, new.lon, new.lon, new.id * 1e-7, new.id * 1e-7
    WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL;
END;
CREATE TRIGGER requests_geo_delete AFTER DELETE ON requests
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
END;
