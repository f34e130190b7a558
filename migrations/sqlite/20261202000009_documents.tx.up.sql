-- Documents uploaded to a project (uploadDocument): the file's name, its
-- decided content type, its size in bytes, its SHA-256 and the text
-- extracted from it. The original bytes are not kept. The filename and the
-- extracted text are searched like specifications and questions
-- (Project.search): an FTS5 index reading them from the table itself
-- (external content), kept in step by the triggers below.
CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    uploaded_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    filename       TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type   TEXT NOT NULL CHECK (content_type IN ('text/plain', 'text/markdown', 'application/pdf', 'application/json', 'text/csv')),
    size           INTEGER NOT NULL CHECK (size >= 0),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    text           TEXT NOT NULL,
    uploaded_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX documents_project_idx ON documents (project_id, id);
--bun:split
CREATE VIRTUAL TABLE documents_fts USING fts5(
    filename, text,
    content = 'documents', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
--bun:split
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, filename, text) VALUES (new.id, new.filename, new.text);
END;
--bun:split
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, filename, text) VALUES ('delete', old.id, old.filename, old.text);
END;
--bun:split
CREATE TRIGGER documents_fts_update AFTER UPDATE OF filename, text ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, filename, text) VALUES ('delete', old.id, old.filename, old.text);
    INSERT INTO documents_fts (rowid, filename, text) VALUES (new.id, new.filename, new.text);
END;
