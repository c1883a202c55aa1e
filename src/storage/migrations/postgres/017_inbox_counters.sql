-- The inbox sidebar's counts, kept by a trigger (see the SQLite migration of
-- the same name). Guichet writes through one connection (group commit), so
-- the counter rows are not contended by its own writes.
CREATE TABLE inbox_counters (
  team_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  category TEXT NOT NULL,
  agent_id BIGINT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (team_id, service_id, channel, category, agent_id)
);

INSERT INTO inbox_counters (team_id, service_id, channel, category, agent_id, n)
SELECT team_id, service_id, channel, category, COALESCE(agent_id, 0), COUNT(*)
FROM requests GROUP BY 1, 2, 3, 4, 5;

CREATE FUNCTION inbox_counters_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE inbox_counters SET n = n - 1
    WHERE team_id = OLD.team_id AND service_id = OLD.service_id AND channel = OLD.channel
      AND category = OLD.category AND agent_id = COALESCE(OLD.agent_id, 0);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO inbox_counters (team_id, service_id, channel, category, agent_id, n)
    VALUES (NEW.team_id, NEW.service_id, NEW.channel, NEW.category, COALESCE(NEW.agent_id, 0), 1)
    ON CONFLICT (team_id, service_id, channel, category, agent_id)
    DO UPDATE SET n = inbox_counters.n + 1;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER requests_counters_insert_delete AFTER INSERT OR DELETE ON requests
FOR EACH ROW EXECUTE FUNCTION inbox_counters_sync();

CREATE TRIGGER requests_counters_update
AFTER UPDATE OF team_id, service_id, channel, category, agent_id ON requests
FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id
  OR OLD.service_id IS DISTINCT FROM NEW.service_id OR OLD.channel IS DISTINCT FROM NEW.channel
  OR OLD.category IS DISTINCT FROM NEW.category OR OLD.agent_id IS DISTINCT FROM NEW.agent_id)
EXECUTE FUNCTION inbox_counters_sync();

-- Overdue is counted over the requests still to handle (see SQLite).
CREATE INDEX requests_open_due ON requests(team_id, due_at)
WHERE category NOT IN ('resolved', 'rejected', 'closed');
