-- A priced action waiting for the member's confirm (docs/ARCHITECTURE.md "Credits": every
-- spend shows its price and asks once). The confirm button names the offer, so it still
-- works after a restart; an offer is used once (used_at), then its buttons do nothing.
-- request_json is the compiled request that was priced (NULL for Generate, which compiles
-- the session again at the confirm, and for stitches and references, which bill nothing).
CREATE TABLE spend_offers (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    session_id INTEGER,
    kind TEXT NOT NULL,
    parent_job_id INTEGER,
    job_ids TEXT NOT NULL DEFAULT '',
    request_json TEXT,
    price INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT
);
-- What a member chose for themselves in a guild: a direct message when a job ends.
CREATE TABLE member_settings (
    guild_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    notify_dm INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, user_id)
);
