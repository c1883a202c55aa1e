-- As 020 did for requests: the trigger that staged what people wrote for
-- the search made every INSERT INTO events keep a statement journal, and a
-- create appends one to three events. The store's writer stages the same
-- documents itself, under the same condition (SqlWriteTx::AppendEvent).
DROP TRIGGER events_search_insert;
