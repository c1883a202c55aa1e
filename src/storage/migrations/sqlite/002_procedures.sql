-- Procedures: workflow timers (legal deadlines, delayed transitions), form
-- drafts, and uploaded files.
CREATE TABLE timers (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  due_at INTEGER,
  remaining INTEGER,
  created_at INTEGER NOT NULL,
  fired_at INTEGER
);
-- The worker asks for the earliest running timers; others never match.
CREATE INDEX timers_due ON timers(due_at, id) WHERE state = 'running';
CREATE INDEX timers_request ON timers(request_id, id);

CREATE TABLE drafts (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services(id),
  data TEXT NOT NULL,
  citizen_id INTEGER REFERENCES citizens(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX drafts_expiry ON drafts(expires_at);

-- The bytes are kept base64-encoded with their metadata, in the same
-- transaction as the request they belong to: a backup of the database is a
-- backup of the files.
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  request_id INTEGER REFERENCES requests(id),
  created_at INTEGER NOT NULL,
  content TEXT NOT NULL
);
CREATE INDEX uploads_request ON uploads(request_id) WHERE request_id IS NOT NULL;
