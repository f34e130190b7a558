ALTER TABLE code_generations DROP COLUMN heartbeat_at;
