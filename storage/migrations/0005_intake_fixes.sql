-- Refused uploads kept for one-click fixes, face-check state, soft removal of assets.
CREATE TABLE pending_uploads (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions (id),
    user_id      INTEGER NOT NULL,
    path         TEXT    NOT NULL,
    filename     TEXT    NOT NULL,
    options_json TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    resolved_at  TEXT
);
ALTER TABLE assets ADD COLUMN face_flag TEXT NOT NULL DEFAULT 'none';
ALTER TABLE assets ADD COLUMN removed_at TEXT;
