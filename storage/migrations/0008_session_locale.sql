-- The language the session's owner reads (a shipped locale, bot/words.py): the card,
-- its questions and the delivered result are written in it.
ALTER TABLE sessions ADD COLUMN locale TEXT NOT NULL DEFAULT 'en-US';
