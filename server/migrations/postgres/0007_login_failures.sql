-- Failed logins per account, for the back-off after repeated failures (shared by every
-- instance). Keep in step with migrations/sqlite/0007_login_failures.sql.
CREATE TABLE login_failures (
    account TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
