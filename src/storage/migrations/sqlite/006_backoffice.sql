-- The agent back-office: inbox indexes, links between requests, canned
-- responses, round-robin assignment, full-text search and the audit log.

-- Inbox sorts (deadline ascending with no deadline last, last activity
-- descending), alone or within a team, each ending with id for the keyset.
CREATE INDEX requests_due ON requests(COALESCE(due_at, 9223372036854775807), id);
CREATE INDEX requests_team_due ON requests(team_id, COALESCE(due_at, 9223372036854775807), id);
CREATE INDEX requests_activity ON requests(updated_at, id);
CREATE INDEX requests_team_activity ON requests(team_id, updated_at, id);
CREATE INDEX requests_team_unassigned ON requests(team_id, id) WHERE agent_id IS NULL;

-- "duplicate": from_id was merged into to_id; "related": same matter.
CREATE TABLE request_links (
  from_id INTEGER NOT NULL REFERENCES requests(id),
  to_id INTEGER NOT NULL REFERENCES requests(id),
  kind TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (from_id, to_id, kind)
);
CREATE INDEX request_links_to ON request_links(to_id);

CREATE TABLE canned_responses (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  team_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- The agent of each team that received the last round-robin assignment.
CREATE TABLE round_robin (
  team_id TEXT PRIMARY KEY,
  last_agent_id INTEGER NOT NULL
);

-- Full-text search: one row per request (rowid = -id: reference, title and
-- description) and one per message or note (rowid = the event's id). The
-- guichet_french tokenizer (storage/sqlite/french_tokenizer.cpp) folds
-- accents and stems French words; it is registered on every connection.
CREATE VIRTUAL TABLE search_fts USING fts5(request_id UNINDEXED, body, tokenize = 'guichet_french');
INSERT INTO search_fts (rowid, request_id, body)
  SELECT -id, id, reference || ' ' || title || ' ' || description FROM requests;
INSERT INTO search_fts (rowid, request_id, body)
  SELECT id, request_id, body FROM events
  WHERE kind IN ('message_in', 'message_out', 'note') AND body <> '';

CREATE TRIGGER requests_search_insert AFTER INSERT ON requests
BEGIN
  INSERT INTO search_fts (rowid, request_id, body)
    VALUES (-new.id, new.id, new.reference || ' ' || new.title || ' ' || new.description);
END;
CREATE TRIGGER requests_search_update AFTER UPDATE OF title, description ON requests
WHEN old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
  DELETE FROM search_fts WHERE rowid = -old.id;
  INSERT INTO search_fts (rowid, request_id, body)
    VALUES (-new.id, new.id, new.reference || ' ' || new.title || ' ' || new.description);
END;
CREATE TRIGGER events_search_insert AFTER INSERT ON events
WHEN new.kind IN ('message_in', 'message_out', 'note') AND new.body <> ''
BEGIN
  INSERT INTO search_fts (rowid, request_id, body) VALUES (new.id, new.request_id, new.body);
END;

-- Who read or wrote what, when, from where and why. Append-only (the
-- triggers below) and hash-chained (hash = SHA-256 of prev_hash and the
-- row): `guichet audit verify` recomputes the chain. No foreign keys: the
-- log outlives the records it names. Indexed by citizen for their journal.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id INTEGER NOT NULL,
  actor_label TEXT NOT NULL,
  action TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  request_id INTEGER,
  citizen_id INTEGER,
  purpose TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_citizen ON audit_log(citizen_id, id) WHERE citizen_id IS NOT NULL;
CREATE INDEX audit_log_request ON audit_log(request_id, id) WHERE request_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log(actor_label, id);
CREATE INDEX audit_log_at ON audit_log(at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
