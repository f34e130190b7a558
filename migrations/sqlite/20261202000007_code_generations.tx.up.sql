CREATE TABLE code_generations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    stack           TEXT NOT NULL CHECK (stack IN ('GO_SERVICE', 'TYPESCRIPT_REACT', 'PYTHON_FASTAPI')),
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
    total_files     INTEGER NOT NULL DEFAULT 0,
    total_lines     INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    requested_by_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    started_at      TIMESTAMP NOT NULL,
    completed_at    TIMESTAMP
);
--bun:split
CREATE UNIQUE INDEX code_generations_project_version_key ON code_generations (project_id, version);
--bun:split
CREATE INDEX code_generations_unfinished_idx ON code_generations (status) WHERE status IN ('PENDING', 'IN_PROGRESS');
--bun:split
CREATE TABLE generated_files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    generation_id INTEGER NOT NULL REFERENCES code_generations (id) ON DELETE CASCADE,
    path          TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 255),
    content       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    lines         INTEGER NOT NULL
);
--bun:split
CREATE UNIQUE INDEX generated_files_generation_path_key ON generated_files (generation_id, path);
--bun:split
CREATE INDEX generated_files_generation_idx ON generated_files (generation_id, id);
