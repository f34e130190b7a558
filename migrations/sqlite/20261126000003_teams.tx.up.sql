CREATE TABLE teams (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description   TEXT CHECK (description IS NULL OR length(description) <= 2000),
    created_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('OWNER', 'LEAD', 'DEVELOPER', 'VIEWER')),
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
--bun:split
CREATE INDEX team_members_user_idx ON team_members (user_id, team_id);
--bun:split
CREATE TABLE project_shares (
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id      INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    permission   TEXT NOT NULL CHECK (permission IN ('READ', 'WRITE', 'ADMIN')),
    shared_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    shared_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
--bun:split
CREATE INDEX project_shares_team_idx ON project_shares (team_id, project_id);
--bun:split
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    scopes       TEXT NOT NULL CHECK (scopes IN ('READ', 'WRITE', 'READ,WRITE')),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
--bun:split
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
--bun:split
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id);
--bun:split
CREATE TABLE activities (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action          TEXT NOT NULL,
    team_id         INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    project_id      INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    subject_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    api_token_id    INTEGER REFERENCES api_tokens (id) ON DELETE CASCADE,
    details         TEXT,
    created_at      TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX activities_team_idx ON activities (team_id, id);
--bun:split
CREATE INDEX activities_project_idx ON activities (project_id, id);
--bun:split
CREATE INDEX activities_actor_idx ON activities (actor_id, id);
