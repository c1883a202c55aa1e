-- The search indexed three documents per request filed: the request
-- (reference, title, description), its first message — the same
-- description again — and the acknowledgement Guichet sent, the same
-- boilerplate for every request. Only what people wrote is searched now: a
-- message is indexed unless it is one Guichet sent itself (a message_out by
-- 'system') or it repeats its request's description. Notes stay indexed,
-- the system's too (the text read from a postal scan is one). Over 2M documents, FTS5's merges were half of
-- what a create wrote to disk; this makes it a third.
DROP TRIGGER events_search_insert;
CREATE TRIGGER events_search_insert AFTER INSERT ON events
WHEN new.kind IN ('message_in', 'message_out', 'note') AND new.body <> ''
  AND NOT (new.kind = 'message_out' AND new.author = 'system')
  AND new.body IS NOT (SELECT description FROM requests WHERE id = new.request_id)
BEGIN
  INSERT INTO search_fts (rowid, request_id, body) VALUES (new.id, new.request_id, new.body);
END;
DELETE FROM search_fts WHERE rowid IN (
  SELECT e.id FROM events e JOIN requests r ON r.id = e.request_id
  WHERE e.kind IN ('message_in', 'message_out', 'note')
    AND ((e.kind = 'message_out' AND e.author = 'system') OR e.body = r.description));
