-- Full-text search (Project.search): each specification's key, value and
-- content and each question's text and answer as a tsvector the database
-- computes on every write (English stemming; weights A, B, C by field, so a
-- match in a key or a question's text ranks above one in the prose), each
-- with a GIN index. Existing rows are filled as the columns are added.
ALTER TABLE specifications ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', key), 'A') ||
    setweight(to_tsvector('english', value), 'B') ||
    setweight(to_tsvector('english', content), 'C')
) STORED;
--bun:split
CREATE INDEX specifications_search_idx ON specifications USING GIN (search_vector);
--bun:split
ALTER TABLE questions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', text), 'A') ||
    setweight(to_tsvector('english', coalesce(answer, '')), 'B')
) STORED;
--bun:split
CREATE INDEX questions_search_idx ON questions USING GIN (search_vector);
