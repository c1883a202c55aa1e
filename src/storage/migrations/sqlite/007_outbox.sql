-- The outbox: every message to a citizen (email, SMS, letter) is a row
-- written in the same transaction as the timeline event that records it,
-- then delivered by the outbox worker (src/workers/outbox_worker.cpp).

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  -- The request and its message_out event; both NULL for messages not tied
  -- to a request (account emails). One row per event, however often the
  -- write that appends it is replayed.
  request_id INTEGER REFERENCES requests(id),
  event_id INTEGER UNIQUE REFERENCES events(id),
  channel TEXT NOT NULL,          -- email, sms, postal: the channel in use
  recipient TEXT NOT NULL,        -- address, E.164 number or postal name
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  -- pending → sending (claimed until lease_until) → sent | dead; dead rows
  -- go back to pending when an agent retries them.
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  tried_channels TEXT NOT NULL DEFAULT '',  -- comma-separated, for the fallback chain
  last_error TEXT NOT NULL DEFAULT '',
  provider_id TEXT NOT NULL DEFAULT '',     -- the gateway's message id, the letter's file
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER
);
-- The worker's scan: due pending rows, and claims whose lease ran out.
CREATE INDEX outbox_due ON outbox(state, next_attempt_at, id);
CREATE INDEX outbox_request ON outbox(request_id, id);

-- Numbers that answered STOP: no SMS goes to them any more.
CREATE TABLE sms_opt_outs (
  phone TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);

-- Replies by SMS are matched to the open request of their number.
CREATE INDEX requests_contact_phone ON requests(contact_phone, id);
