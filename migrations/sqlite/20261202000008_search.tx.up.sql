-- Full-text search (Project.search): FTS5 indexes over each specification's
-- key, value and content and each question's text and answer, reading their
-- text from the tables themselves (external content) and kept in step by
-- the triggers below. The porter tokenizer stems English words, so
-- "databases" finds "database". Existing rows are indexed by the rebuilds at
-- the end.
CREATE VIRTUAL TABLE specifications_fts USING fts5(
    key, value, content,
    content = 'specifications', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
--bun:split
CREATE TRIGGER specifications_fts_insert AFTER INSERT ON specifications BEGIN
    INSERT INTO specifications_fts (rowid, key, value, content) VALUES (new.id, new.key, new.value, new.content);
END;
--bun:split
CREATE TRIGGER specifications_fts_delete AFTER DELETE ON specifications BEGIN
    INSERT INTO specifications_fts (specifications_fts, rowid, key, value, content)
    VALUES ('delete', old.id, old.key, old.value, old.content);
END;
--bun:split
CREATE TRIGGER specifications_fts_update AFTER UPDATE OF key, value, content ON specifications BEGIN
    INSERT INTO specifications_fts (specifications_fts, rowid, key, value, content)
    VALUES ('delete', old.id, old.key, old.value, old.content);
    INSERT INTO specifications_fts (rowid, key, value, content) VALUES (new.id, new.key, new.value, new.content);
END;
--bun:split
CREATE VIRTUAL TABLE questions_fts USING fts5(
    text, answer,
    content = 'questions', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
--bun:split
CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions BEGIN
    INSERT INTO questions_fts (rowid, text, answer) VALUES (new.id, new.text, new.answer);
END;
--bun:split
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, text, answer) VALUES ('delete', old.id, old.text, old.answer);
END;
--bun:split
CREATE TRIGGER questions_fts_update AFTER UPDATE OF text, answer ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, text, answer) VALUES ('delete', old.id, old.text, old.answer);
    INSERT INTO questions_fts (rowid, text, answer) VALUES (new.id, new.text, new.answer);
END;
--bun:split
INSERT INTO specifications_fts (specifications_fts) VALUES ('rebuild');
--bun:split
INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');
