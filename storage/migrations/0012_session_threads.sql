-- The thread a session lives in (docs/ARCHITECTURE.md "One session, end to end"): its role
-- questions, refusals and fixes are posted there, and uploads there join it. NULL: the
-- session runs in its channel (threads off, or the bot may not create them there).
ALTER TABLE sessions ADD COLUMN thread_id INTEGER;
CREATE INDEX sessions_by_thread ON sessions (thread_id) WHERE thread_id IS NOT NULL;
