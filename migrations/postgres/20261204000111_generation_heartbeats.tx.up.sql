-- A generation's heartbeat: the instance running it refreshes it, and any
-- instance fails a PENDING or IN_PROGRESS generation whose heartbeat is
-- older than the lease (its instance stopped), instead of every unfinished
-- generation at start.
ALTER TABLE code_generations ADD COLUMN heartbeat_at TIMESTAMPTZ;
--bun:split
UPDATE code_generations SET heartbeat_at = started_at;
--bun:split
ALTER TABLE code_generations ALTER COLUMN heartbeat_at SET NOT NULL;
