-- A statement that may fail after writing (any INSERT with triggers, or with
-- RETURNING) keeps a statement journal: inside a group commit it copies every
-- page it touches that an earlier create of the batch already changed, about
-- twenty pages per create (the table, its seventeen indexes, the counters).
-- The two AFTER INSERT triggers of requests are gone; the store's writer
-- does their work in statements of their own (SqlWriteTx::InsertRequest),
-- with the same values. The UPDATE triggers stay: updates are rarer.
DROP TRIGGER requests_search_insert;
DROP TRIGGER requests_counters_insert;
