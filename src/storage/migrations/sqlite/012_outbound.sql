-- Outbound notifications (issue #5): templates an administrator changed,
-- letters printed, delivery receipts.

-- A platform administrator's version of a notification template; the
-- shipped default (catalogue/templates/) applies to every id not here.
CREATE TABLE notification_templates (
  id TEXT PRIMARY KEY,            -- event.channel: "reply.sms"
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);

-- Letters (postal rows sent to the print spool) the print room has printed.
ALTER TABLE outbox ADD COLUMN printed_at INTEGER;
-- The final word of the receiver (gateway delivery receipt, DSN):
-- 'delivered' or 'failed'; '' until one arrives.
ALTER TABLE outbox ADD COLUMN receipt TEXT NOT NULL DEFAULT '';
-- The print queue: sent letters, newest first.
CREATE INDEX outbox_letters ON outbox(channel, state, printed_at, id);
-- Delivery receipts name the gateway's message id.
CREATE INDEX outbox_provider ON outbox(provider_id);
