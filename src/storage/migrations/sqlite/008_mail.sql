-- Inbound email (channels/mail): every message received, whatever became of
-- it, and the addresses our own mail bounced from.

-- The raw bytes are an upload (message/rfc822); the sha256 of those bytes
-- makes a message the MTA delivers twice land once.
CREATE TABLE mail_messages (
  sha256 TEXT PRIMARY KEY,
  message_id TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  disposition TEXT NOT NULL,
  flags TEXT NOT NULL DEFAULT '[]',
  request_id INTEGER REFERENCES requests(id),
  raw_upload_id TEXT NOT NULL REFERENCES uploads(id),
  acknowledged INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL
);
-- The acknowledgement rate limit counts a sender's recent acknowledgements.
CREATE INDEX mail_messages_acks ON mail_messages(sender, received_at) WHERE acknowledged = 1;

-- Read by the outbox's fallback: an address here is not mailed any more.
CREATE TABLE mail_failing_addresses (
  address TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  bounces INTEGER NOT NULL,
  failed_at INTEGER NOT NULL
);

-- Citizens are matched to a sender by address, without case.
CREATE INDEX citizens_email_lower ON citizens(lower(email));
