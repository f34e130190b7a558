ALTER TABLE projects ADD COLUMN llm_provider TEXT CHECK (llm_provider IS NULL OR llm_provider IN ('BUILTIN', 'ANTHROPIC', 'OPENAI_COMPATIBLE'));
--bun:split
ALTER TABLE projects ADD COLUMN llm_model TEXT CHECK (llm_model IS NULL OR length(llm_model) BETWEEN 1 AND 200);
--bun:split
CREATE TABLE llm_credentials (
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider       TEXT NOT NULL CHECK (provider IN ('ANTHROPIC', 'OPENAI_COMPATIBLE')),
    api_key_cipher BLOB NOT NULL,
    base_url       TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, provider)
);
--bun:split
CREATE TABLE llm_calls (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    session_id    INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
    provider      TEXT NOT NULL CHECK (provider IN ('BUILTIN', 'ANTHROPIC', 'OPENAI_COMPATIBLE')),
    model         TEXT NOT NULL,
    operation     TEXT NOT NULL CHECK (operation IN ('QUESTION', 'EXTRACTION', 'REPLY')),
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
CREATE INDEX llm_calls_project_idx ON llm_calls (project_id);
--bun:split
CREATE TABLE question_stats (
    user_id              INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_key         TEXT NOT NULL,
    times_asked          INTEGER NOT NULL CHECK (times_asked >= 0),
    times_answered       INTEGER NOT NULL CHECK (times_answered >= 0),
    times_answered_well  INTEGER NOT NULL CHECK (times_answered_well >= 0),
    avg_answer_length    REAL NOT NULL,
    avg_specs_per_answer REAL NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, template_key)
);
