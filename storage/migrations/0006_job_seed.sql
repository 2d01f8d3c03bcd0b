-- The seed the provider generated the result with (kept with the result's metadata).
ALTER TABLE jobs ADD COLUMN seed INTEGER;
