-- A session the member can steer (issue 12): a role that is only Callsheet's suggestion
-- until the member chooses or confirms it; the last prompt a check refused, kept for the
-- modal to reopen with; the asset the member's next upload replaces.
ALTER TABLE assets ADD COLUMN role_suggested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN prompt_draft TEXT;
ALTER TABLE sessions ADD COLUMN replacing_asset_id INTEGER;
