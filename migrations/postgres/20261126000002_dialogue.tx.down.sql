DROP TABLE IF EXISTS question_stats;
--bun:split
DROP TABLE IF EXISTS llm_calls;
--bun:split
DROP TABLE IF EXISTS llm_credentials;
--bun:split
ALTER TABLE projects DROP COLUMN IF EXISTS llm_model;
--bun:split
ALTER TABLE projects DROP COLUMN IF EXISTS llm_provider;
