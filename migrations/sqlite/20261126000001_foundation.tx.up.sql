CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name          TEXT CHECK (name IS NULL OR length(name) <= 100),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX users_email_key ON users (email);
--bun:split
CREATE TABLE refresh_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id      TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP,
    revoked_at     TIMESTAMP,
    replaced_by_id INTEGER REFERENCES refresh_tokens (id) ON DELETE SET NULL
);
--bun:split
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
--bun:split
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
--bun:split
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
--bun:split
CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_key    TEXT NOT NULL,
    description TEXT CHECK (description IS NULL OR length(description) <= 5000),
    phase       TEXT NOT NULL CHECK (phase IN ('DISCOVERY', 'ANALYSIS', 'DESIGN', 'IMPLEMENTATION')),
    status      TEXT NOT NULL CHECK (status IN ('ACTIVE', 'ARCHIVED', 'COMPLETED')),
    maturity    INTEGER NOT NULL CHECK (maturity BETWEEN 0 AND 100),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
--bun:split
CREATE INDEX projects_owner_id_idx ON projects (owner_id, id);
--bun:split
CREATE INDEX projects_owner_updated_idx ON projects (owner_id, updated_at, id);
--bun:split
CREATE INDEX projects_owner_name_idx ON projects (owner_id, name_key, id);
--bun:split
CREATE INDEX projects_owner_maturity_idx ON projects (owner_id, maturity, id);
--bun:split
CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id          INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    started_by_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mode                TEXT NOT NULL CHECK (mode IN ('SOCRATIC', 'DIRECT_CHAT')),
    status              TEXT NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'COMPLETED')),
    current_question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    started_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    ended_at            TIMESTAMP,
    CHECK ((status = 'COMPLETED') = (ended_at IS NOT NULL))
);
--bun:split
CREATE INDEX sessions_project_idx ON sessions (project_id, id);
--bun:split
CREATE TABLE questions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id     INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    category       TEXT NOT NULL CHECK (category IN ('GOALS', 'REQUIREMENTS', 'TECH_STACK', 'SCALABILITY', 'SECURITY', 'PERFORMANCE', 'TESTING', 'MONITORING', 'DATA_RETENTION', 'DISASTER_RECOVERY')),
    context        TEXT,
    template_key   TEXT,
    quality_score  REAL NOT NULL CHECK (quality_score BETWEEN 0 AND 1),
    bias_score     REAL NOT NULL CHECK (bias_score BETWEEN 0 AND 1),
    asked_at       TIMESTAMP NOT NULL,
    answer         TEXT,
    answered_at    TIMESTAMP,
    answered_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
--bun:split
CREATE INDEX questions_session_idx ON questions (session_id, id);
--bun:split
CREATE INDEX questions_project_idx ON questions (project_id, id);
--bun:split
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    role        TEXT NOT NULL CHECK (role IN ('USER', 'ASSISTANT', 'SYSTEM')),
    content     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX messages_session_idx ON messages (session_id, id);
--bun:split
CREATE TABLE specifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    question_id      INTEGER REFERENCES questions (id) ON DELETE SET NULL,
    message_id       INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    category         TEXT NOT NULL CHECK (category IN ('GOALS', 'REQUIREMENTS', 'TECH_STACK', 'SCALABILITY', 'SECURITY', 'PERFORMANCE', 'TESTING', 'MONITORING', 'DATA_RETENTION', 'DISASTER_RECOVERY')),
    key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    value            TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 2000),
    content          TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('USER_INPUT', 'EXTRACTED', 'INFERRED', 'IMPORTED')),
    confidence       REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    reasoning        TEXT,
    status           TEXT NOT NULL CHECK (status IN ('CURRENT', 'PENDING', 'SUPERSEDED', 'REJECTED')),
    superseded_by_id INTEGER REFERENCES specifications (id) ON DELETE SET NULL,
    created_by_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX specifications_project_status_idx ON specifications (project_id, status, category, id);
--bun:split
CREATE INDEX specifications_project_key_idx ON specifications (project_id, key);
--bun:split
CREATE INDEX specifications_question_idx ON specifications (question_id);
--bun:split
CREATE INDEX specifications_superseded_by_idx ON specifications (superseded_by_id);
--bun:split
CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    type            TEXT NOT NULL CHECK (type IN ('TECHNOLOGY', 'REQUIREMENT', 'TIMELINE', 'RESOURCE')),
    severity        TEXT NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    status          TEXT NOT NULL CHECK (status IN ('OPEN', 'RESOLVED', 'IGNORED')),
    rule            TEXT NOT NULL,
    description     TEXT NOT NULL,
    resolution      TEXT CHECK (resolution IS NULL OR resolution IN ('KEEP_OLD', 'REPLACE', 'MERGE', 'IGNORE')),
    resolution_note TEXT,
    resolved_by_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    detected_at     TIMESTAMP NOT NULL,
    resolved_at     TIMESTAMP,
    CHECK ((status = 'OPEN') = (resolved_at IS NULL))
);
--bun:split
CREATE INDEX conflicts_project_status_idx ON conflicts (project_id, status, id);
--bun:split
CREATE TABLE conflict_specifications (
    conflict_id      INTEGER NOT NULL REFERENCES conflicts (id) ON DELETE CASCADE,
    specification_id INTEGER NOT NULL REFERENCES specifications (id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('EXISTING', 'NEW')),
    PRIMARY KEY (conflict_id, specification_id)
);
--bun:split
CREATE INDEX conflict_specifications_spec_idx ON conflict_specifications (specification_id);
