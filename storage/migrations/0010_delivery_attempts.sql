-- When the first post of a job's outcome was sent (docs/ARCHITECTURE.md "Jobs survive
-- restarts"): set once, before that post; a job still 'sending' after a restart was
-- perhaps posted then. Within Discord's nonce window the same post is sent again (its
-- nonce returns the message already made); past it, the channel is read from that time.
ALTER TABLE jobs ADD COLUMN delivery_started_at TEXT;
