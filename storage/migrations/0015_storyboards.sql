-- Storyboards (issue 17): a shot list beside a session (which holds the storyboard-wide
-- references), each shot its own job once started; a shot's own references are assets of
-- that session it claims. started_at: when the price was confirmed; film_job_id: the
-- latest film, film_of: the shot jobs it joined (so the film is made once per set).
CREATE TABLE storyboards (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL UNIQUE,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    soundtrack_path TEXT,
    soundtrack_name TEXT,
    soundtrack_s REAL,
    film_audio TEXT NOT NULL DEFAULT 'soundtrack',
    started_at TEXT,
    film_job_id INTEGER,
    film_of TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE storyboard_shots (
    id INTEGER PRIMARY KEY,
    storyboard_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    continuity TEXT NOT NULL DEFAULT 'cut',
    job_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX storyboard_shots_by_board ON storyboard_shots (storyboard_id, position);
CREATE INDEX storyboard_shots_by_job ON storyboard_shots (job_id);
CREATE TABLE storyboard_shot_assets (
    asset_id INTEGER NOT NULL UNIQUE,
    shot_id INTEGER NOT NULL
);
-- A job that holds its credits but is not claimable yet (a storyboard shot waiting for the
-- previous shot's last frame, or for a free slot among its owner's jobs).
ALTER TABLE jobs ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
