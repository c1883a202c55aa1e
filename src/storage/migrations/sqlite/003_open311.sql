-- API keys for partner applications, and what the Open311 GeoReport v2
-- endpoint needs to answer its searches from indexes.

-- Only the SHA-256 of each secret is stored: the secret is shown once.
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- GET requests searches by creation date (start_date / end_date).
CREATE INDEX requests_created ON requests(created_at, id);

-- Bounding-box searches: an R*Tree of the geolocated requests, kept in step
-- with `requests` by triggers (a point is a degenerate box).
CREATE VIRTUAL TABLE requests_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon);
INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon)
  SELECT id, lat, lat, lon, lon FROM requests WHERE lat IS NOT NULL AND lon IS NOT NULL;
CREATE TRIGGER requests_geo_insert AFTER INSERT ON requests
  WHEN new.lat IS NOT NULL AND new.lon IS NOT NULL
BEGIN
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon)
    VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
END;
CREATE TRIGGER requests_geo_update AFTER UPDATE OF lat, lon ON requests
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
  INSERT INTO requests_geo (id, min_lat, max_lat, min_lon, max_lon)
    SELECT new.id, new.lat, new.lat, new.lon, new.lon
    WHERE new.lat IS NOT NULL AND new.lon IS NOT NULL;
END;
CREATE TRIGGER requests_geo_delete AFTER DELETE ON requests
BEGIN
  DELETE FROM requests_geo WHERE id = old.id;
END;

-- FixMyStreet's servicerequestupdates lists the timeline by date.
CREATE INDEX events_created ON events(created_at, id);
