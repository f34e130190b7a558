DROP TABLE IF EXISTS conflict_specifications;
--bun:split
DROP TABLE IF EXISTS conflicts;
--bun:split
DROP TABLE IF EXISTS specifications;
--bun:split
DROP TABLE IF EXISTS messages;
--bun:split
ALTER TABLE IF EXISTS sessions DROP CONSTRAINT IF EXISTS sessions_current_question_fk;
--bun:split
DROP TABLE IF EXISTS questions;
--bun:split
DROP TABLE IF EXISTS sessions;
--bun:split
DROP TABLE IF EXISTS projects;
--bun:split
DROP TABLE IF EXISTS refresh_tokens;
--bun:split
DROP TABLE IF EXISTS users;
