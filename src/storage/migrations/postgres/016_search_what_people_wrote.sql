-- Only what people wrote is searched (see the SQLite migration of the same
-- name): not the messages Guichet sends itself (a message_out by 'system'), nor a
-- first message repeating its request's description, already indexed with
-- the request.
CREATE OR REPLACE FUNCTION events_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind IN ('message_in', 'message_out', 'note') AND NEW.body <> ''
     AND NOT (NEW.kind = 'message_out' AND NEW.author = 'system')
     AND NEW.body IS DISTINCT FROM (SELECT description FROM requests WHERE id = NEW.request_id)
  THEN
    INSERT INTO search_docs (doc_id, request_id, body) VALUES (NEW.id, NEW.request_id, NEW.body);
  END IF;
  RETURN NULL;
END
$$;
DELETE FROM search_docs d USING events e, requests r
WHERE d.doc_id = e.id AND r.id = e.request_id
  AND e.kind IN ('message_in', 'message_out', 'note')
  AND ((e.kind = 'message_out' AND e.author = 'system') OR e.body = r.description);
