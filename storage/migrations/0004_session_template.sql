-- The seed 001 template a session was opened from (it suggests each asset's role).
ALTER TABLE sessions ADD COLUMN template TEXT;
