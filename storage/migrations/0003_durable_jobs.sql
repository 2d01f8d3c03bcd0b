-- Durable jobs: the provider's task id, attempts, a deadline, progress, and delivery state
-- (pending -> sending -> delivered) so a restart resumes and never delivers twice.
ALTER TABLE jobs ADD COLUMN provider_task_id TEXT;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN deadline_at TEXT;
ALTER TABLE jobs ADD COLUMN progress REAL;
ALTER TABLE jobs ADD COLUMN delivery_state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE jobs ADD COLUMN delivery_message_id INTEGER;
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'generate';
ALTER TABLE jobs ADD COLUMN parent_job_id INTEGER;
CREATE INDEX jobs_by_delivery ON jobs (delivery_state, state);
