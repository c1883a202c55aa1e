-- Round-robin assignment is a property of the team in the database, so teams
-- created through the administration API can have it, like the catalogue's.
ALTER TABLE teams ADD COLUMN round_robin INTEGER NOT NULL DEFAULT 0;
