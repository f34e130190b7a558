-- A language model writing a code generation's files is recorded as a call of
-- its own. SQLite changes a CHECK constraint by rebuilding the table.
CREATE TABLE llm_calls_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    provider      TEXT NOT NULL CHECK (provider IN ('BUILTIN', 'ANTHROPIC', 'OPENAI_COMPATIBLE')),
    model         TEXT NOT NULL,
    operation     TEXT NOT NULL CHECK (operation IN ('QUESTION', 'EXTRACTION', 'REPLY', 'CONFLICTS', 'CODE_GENERATION')),
    input_tokens  INTEGER NOT NULL CHECK (input_tokens >= 0),
    output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
    cost_usd      REAL NOT NULL CHECK (cost_usd >= 0),
    latency_ms    INTEGER NOT NULL CHECK (latency_ms >= 0),
    succeeded     BOOLEAN NOT NULL,
    fallback      BOOLEAN NOT NULL,
    error         TEXT,
    created_at    TIMESTAMP NOT NULL
);
--bun:split
INSERT INTO llm_calls_new SELECT id, user_id, project_id, session_id, provider, model, operation, input_tokens, output_tokens,
    cost_usd, latency_ms, succeeded, fallback, error, created_at FROM llm_calls WHERE operation IN ('QUESTION', 'EXTRACTION', 'REPLY', 'CONFLICTS', 'CODE_GENERATION');
--bun:split
DROP TABLE llm_calls;
--bun:split
ALTER TABLE llm_calls_new RENAME TO llm_calls;
--bun:split
CREATE INDEX llm_calls_project_idx ON llm_calls (project_id);
