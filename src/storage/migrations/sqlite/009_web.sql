-- The web (issue #7): citizens rate a finished request once (1 to 5, and a
-- comment); the public quality page averages the ratings per service.
CREATE TABLE ratings (
  request_id INTEGER PRIMARY KEY REFERENCES requests(id),
  score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
