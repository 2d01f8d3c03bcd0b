-- Per-guild policy, bans, the audit log; model and duration recorded on jobs and sessions.
CREATE TABLE guild_config (
    guild_id    INTEGER PRIMARY KEY,
    config_json TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE bans (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    moderator_id INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT,
    lifted_at    TEXT
);
CREATE INDEX bans_by_member ON bans (guild_id, user_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    target_id  INTEGER,
    details    TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX audit_by_guild ON audit_log (guild_id, id);

ALTER TABLE sessions ADD COLUMN model TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE jobs ADD COLUMN model TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE jobs ADD COLUMN duration_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN resolution TEXT NOT NULL DEFAULT '720p';
CREATE INDEX jobs_by_member ON jobs (guild_id, user_id, created_at);
