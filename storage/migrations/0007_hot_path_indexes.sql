-- Indexes for the queries behind every card and every hold (docs/ARCHITECTURE.md "Credits").
-- The balance, SUM(delta) per member, is read from the index alone.
CREATE INDEX ledger_by_member_delta ON ledger (guild_id, user_id, delta);
DROP INDEX ledger_by_member;
-- A session's active or latest job (the card; the hold's "busy" check).
CREATE INDEX jobs_by_session ON jobs (session_id, state);
-- A member's unfinished jobs (credits held; the concurrent-jobs cap).
CREATE INDEX jobs_by_member_state ON jobs (guild_id, user_id, state);
