-- What every card and every hold reads, made cheap (docs/ARCHITECTURE.md "Credits").
-- A running balance per member: SUM(delta) of their ledger entries, updated in the same
-- transaction as every ledger insert (storage/ledger.py _append is the one place that
-- inserts), so reading it is one row whatever the member's history.
CREATE TABLE ledger_balances (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    available INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
INSERT INTO ledger_balances (guild_id, user_id, available)
    SELECT guild_id, user_id, SUM(delta) FROM ledger GROUP BY guild_id, user_id;
-- A session's active or latest job (the card; the hold's "busy" check); without the state,
-- so a job's state changes do not rewrite it.
CREATE INDEX jobs_by_session ON jobs (session_id);
-- A member's unfinished jobs and their prices (credits held; the concurrent-jobs cap),
-- read from the index alone.
CREATE INDEX jobs_by_member_state ON jobs (guild_id, user_id, state, price);
