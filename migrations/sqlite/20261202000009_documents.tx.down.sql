DROP TRIGGER documents_fts_update;
--bun:split
DROP TRIGGER documents_fts_delete;
--bun:split
DROP TRIGGER documents_fts_insert;
--bun:split
DROP TABLE documents_fts;
--bun:split
DROP TABLE documents;
