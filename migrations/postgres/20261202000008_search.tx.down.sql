DROP INDEX questions_search_idx;
--bun:split
ALTER TABLE questions DROP COLUMN search_vector;
--bun:split
DROP INDEX specifications_search_idx;
--bun:split
ALTER TABLE specifications DROP COLUMN search_vector;
