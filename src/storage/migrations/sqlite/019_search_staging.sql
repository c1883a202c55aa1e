-- FTS5 writes what it has pending to a new segment of its index at every
-- statement savepoint, and inside a transaction each statement with
-- triggers opens one: in a group commit every create flushed the previous
-- create's words, one segment per request, and FTS5 merged them again and
-- again (a quarter of the writer's time per create, measured). The triggers
-- now stage what to index in a plain table; the store's writer moves the
-- whole batch into search_fts in one statement just before its COMMIT
-- (storage/sql_store.cpp), one segment per commit. The table is empty
-- between transactions: searches read search_fts only.
CREATE TABLE search_pending (
  id INTEGER PRIMARY KEY,  -- the rowid in search_fts: -request id, or the event's id
  request_id INTEGER NOT NULL,
  body TEXT NOT NULL
);

DROP TRIGGER requests_search_insert;
CREATE TRIGGER requests_search_insert AFTER INSERT ON requests
BEGIN
  INSERT OR REPLACE INTO search_pending (id, request_id, body)
    VALUES (-new.id, new.id, new.reference || ' ' || new.title || ' ' || new.description);
END;

DROP TRIGGER requests_search_update;
CREATE TRIGGER requests_search_update AFTER UPDATE OF title, description ON requests
WHEN old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
  DELETE FROM search_fts WHERE rowid = -old.id;
  INSERT OR REPLACE INTO search_pending (id, request_id, body)
    VALUES (-new.id, new.id, new.reference || ' ' || new.title || ' ' || new.description);
END;

DROP TRIGGER events_search_insert;
CREATE TRIGGER events_search_insert AFTER INSERT ON events
WHEN new.kind IN ('message_in', 'message_out', 'note') AND new.body <> ''
  AND NOT (new.kind = 'message_out' AND new.author = 'system')
  AND new.body IS NOT (SELECT description FROM requests WHERE id = new.request_id)
BEGIN
  INSERT OR REPLACE INTO search_pending (id, request_id, body)
    VALUES (new.id, new.request_id, new.body);
END;
