DROP TRIGGER questions_fts_update;
--bun:split
DROP TRIGGER questions_fts_delete;
--bun:split
DROP TRIGGER questions_fts_insert;
--bun:split
DROP TABLE questions_fts;
--bun:split
DROP TRIGGER specifications_fts_update;
--bun:split
DROP TRIGGER specifications_fts_delete;
--bun:split
DROP TRIGGER specifications_fts_insert;
--bun:split
DROP TABLE specifications_fts;
