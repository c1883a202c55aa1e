-- Identity: citizen accounts, agents' credentials and roles per team,
-- sessions, one-time account tokens, API keys restricted to a team.
-- Secrets are never stored in clear: passwords as Argon2id strings, session
-- and account tokens as SHA-256 digests.

-- A citizen with an account has an account_email (lower-case, unique);
-- citizens known only as a contact keep it NULL.
ALTER TABLE citizens ADD COLUMN account_email TEXT;
ALTER TABLE citizens ADD COLUMN password_hash TEXT;
ALTER TABLE citizens ADD COLUMN email_verified_at INTEGER;
ALTER TABLE citizens ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
ALTER TABLE citizens ADD COLUMN given_name TEXT NOT NULL DEFAULT '';
ALTER TABLE citizens ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE citizens ADD COLUMN birthdate TEXT NOT NULL DEFAULT '';
ALTER TABLE citizens ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX citizens_account_email ON citizens(account_email);
CREATE UNIQUE INDEX citizens_oidc_subject ON citizens(oidc_subject);

ALTER TABLE agents ADD COLUMN password_hash TEXT;
ALTER TABLE agents ADD COLUMN platform_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
-- Base32 TOTP secrets: the active one, and one being enrolled.
ALTER TABLE agents ADD COLUMN totp_secret TEXT;
ALTER TABLE agents ADD COLUMN totp_pending TEXT;
-- The last time step a code was accepted for: a code is used once.
ALTER TABLE agents ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- An agent's role in each of their teams: agent, supervisor, administrator.
CREATE TABLE agent_teams (
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  team_id TEXT NOT NULL REFERENCES teams(id),
  role TEXT NOT NULL,
  PRIMARY KEY (agent_id, team_id)
);
INSERT INTO agent_teams (agent_id, team_id, role) SELECT id, team_id, 'agent' FROM agents;

-- `hash`: SHA-256 of the cookie's token. `kind`: citizen or agent.
CREATE TABLE sessions (
  hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject_id INTEGER NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions(kind, subject_id);

-- Links sent by email: verify, magic (login), reset. Used once.
CREATE TABLE account_tokens (
  hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  citizen_id INTEGER NOT NULL REFERENCES citizens(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);

-- A key restricted to one team sees that team's requests only.
ALTER TABLE api_keys ADD COLUMN team_id TEXT;
