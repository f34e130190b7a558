DROP TABLE IF EXISTS activities;
--bun:split
DROP TABLE IF EXISTS api_tokens;
--bun:split
DROP TABLE IF EXISTS project_shares;
--bun:split
DROP TABLE IF EXISTS team_members;
--bun:split
DROP TABLE IF EXISTS teams;
