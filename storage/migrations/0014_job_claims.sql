-- Job claims (docs/ARCHITECTURE.md "Several workers"): the runner that drives a job, or
-- delivers its outcome, holds a lease on its row; another runner takes it over only after
-- the lease has run out. NULL: nobody holds it.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
