-- FTS5 keeps its index as segments and, by default, merges them as soon as
-- 4 of a size exist ('automerge' = 4), a slice of merge work in every
-- transaction that writes to it. With a large index the slices rewrite old,
-- large segments: measured over 2M documents, a create (a request and its
-- acknowledgement, two documents) wrote 150 KB to the WAL, 90 % of it merge
-- work. Merging 16 at a time writes 2.5 times less for the same index, at
-- the cost of a few more segments for a search to read (still milliseconds).
INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 16);
