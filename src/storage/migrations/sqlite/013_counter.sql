-- Phone calls, counter visits and postal mail (issues #5 and #7).
--
-- Agents find a citizen by name (accents and case folded by FTS5's
-- unicode61 tokenizer, words matched by prefix), email (indexed by 008) or phone (E.164).
CREATE INDEX citizens_phone ON citizens(phone);
CREATE VIRTUAL TABLE citizens_fts USING fts5(
  name, content = 'citizens', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO citizens_fts (rowid, name) SELECT id, name FROM citizens;
CREATE TRIGGER citizens_fts_insert AFTER INSERT ON citizens BEGIN
  INSERT INTO citizens_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER citizens_fts_update AFTER UPDATE OF name ON citizens BEGIN
  INSERT INTO citizens_fts (citizens_fts, rowid, name) VALUES ('delete', old.id, old.name);
  INSERT INTO citizens_fts (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER citizens_fts_delete AFTER DELETE ON citizens BEGIN
  INSERT INTO citizens_fts (citizens_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;

-- A postal letter's scan waiting for, or done with, text extraction (OCR).
-- The scan itself is an upload attached to the request; the text extracted
-- is also appended to the timeline (a note), which the search indexes.
CREATE TABLE postal_scans (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  upload_id TEXT NOT NULL UNIQUE REFERENCES uploads(id),
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL,
  lease_until INTEGER,
  text TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX postal_scans_due ON postal_scans(state, due_at, id);
CREATE INDEX postal_scans_request ON postal_scans(request_id, id);
