-- The case model: catalogue, people, requests and their append-only timeline.
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT ''
);

CREATE TABLE services (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL REFERENCES teams(id),
  due_days INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE agents (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  team_id TEXT NOT NULL REFERENCES teams(id)
);

CREATE TABLE citizens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  preferred_channel TEXT NOT NULL DEFAULT 'email',
  created_at INTEGER NOT NULL
);

CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  service_id TEXT NOT NULL REFERENCES services(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  citizen_id INTEGER REFERENCES citizens(id),
  contact_name TEXT NOT NULL DEFAULT '',
  contact_email TEXT NOT NULL DEFAULT '',
  contact_phone TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  category TEXT NOT NULL,
  priority TEXT NOT NULL,
  lat REAL,
  lon REAL,
  address TEXT,
  data TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  due_at INTEGER,
  closed_at INTEGER,
  team_id TEXT NOT NULL REFERENCES teams(id),
  agent_id INTEGER REFERENCES agents(id),
  version INTEGER NOT NULL DEFAULT 1
);
-- Lists are newest first (id DESC) with one equality filter or two; each
-- index ends with id so a page is an index range scan, whatever the table size.
CREATE INDEX requests_status ON requests(status, id);
CREATE INDEX requests_category ON requests(category, id);
CREATE INDEX requests_team_category ON requests(team_id, category, id);
CREATE INDEX requests_channel ON requests(channel, id);
CREATE INDEX requests_service ON requests(service_id, id);
CREATE INDEX requests_agent ON requests(agent_id, id) WHERE agent_id IS NOT NULL;
CREATE INDEX requests_citizen ON requests(citizen_id, id) WHERE citizen_id IS NOT NULL;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  kind TEXT NOT NULL,
  channel TEXT,
  author TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX events_request ON events(request_id, id);

-- The timeline is append-only: what was said to a citizen is never rewritten.
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
