-- Attempts per key in the current fixed window, shared by every instance:
-- the authentication rate limits and the failed-login counts.
CREATE TABLE rate_limits (
    key             TEXT PRIMARY KEY,
    window_start_ms BIGINT NOT NULL,
    hits            INTEGER NOT NULL
);
CREATE INDEX rate_limits_window_start ON rate_limits (window_start_ms);
