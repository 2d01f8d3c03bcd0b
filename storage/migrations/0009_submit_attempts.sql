-- A create sent to the provider whose reply has not been read yet (docs/ARCHITECTURE.md
-- "No double tasks"): set before the create is sent, cleared when its task id is stored.
-- A job that still has it after a restart is reconciled with the provider's task list
-- before it is ever created again.
ALTER TABLE jobs ADD COLUMN submit_started_at TEXT;
