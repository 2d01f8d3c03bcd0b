-- Sessions, their assets, jobs and the append-only credit ledger.
-- Plain SQL that runs on PostgreSQL too (DESIGN.md "Growing past one machine").
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('open', 'generating', 'closed', 'expired')),
    prompt          TEXT    NOT NULL DEFAULT '',
    duration_s      INTEGER NOT NULL,
    ratio           TEXT    NOT NULL,
    resolution      TEXT    NOT NULL,
    generate_audio  INTEGER NOT NULL DEFAULT 1,
    card_message_id INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
-- One open session per member per channel.
CREATE UNIQUE INDEX sessions_one_open ON sessions (guild_id, channel_id, user_id)
    WHERE state IN ('open', 'generating');

CREATE TABLE assets (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('image', 'video', 'audio')),
    ordinal     INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    filename    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    duration_s  REAL,
    has_audio   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    UNIQUE (session_id, kind, ordinal),
    UNIQUE (session_id, sha256)
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id),
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'submitted', 'running', 'succeeded',
                                                   'failed', 'cancelled', 'expired')),
    provider     TEXT    NOT NULL,
    request_json TEXT    NOT NULL,
    price        INTEGER NOT NULL,
    result_path  TEXT,
    error        TEXT,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX jobs_by_state ON jobs (state);

-- Append-only: rows are inserted, never updated or deleted.
-- delta: effect on the available balance (grant/refill +, revoke -, adjust ±, hold -,
-- release +, capture 0).
-- amount: the credits the entry is about (always >= 0).
CREATE TABLE ledger (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('grant', 'revoke', 'refill', 'adjust',
                                                     'hold', 'capture', 'release')),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    delta           INTEGER NOT NULL,
    job_id          INTEGER REFERENCES jobs (id),
    idempotency_key TEXT    NOT NULL UNIQUE,
    note            TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX ledger_by_member ON ledger (guild_id, user_id);
