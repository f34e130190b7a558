-- A generation's heartbeat: the instance running it refreshes it, and any
-- instance fails a PENDING or IN_PROGRESS generation whose heartbeat is
-- older than the lease (its instance stopped), instead of every unfinished
-- generation at start.
ALTER TABLE code_generations ADD COLUMN heartbeat_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
--bun:split
UPDATE code_generations SET heartbeat_at = started_at;
