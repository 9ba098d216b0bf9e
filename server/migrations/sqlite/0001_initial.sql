-- Initial schema (SQLite). Keep in step with migrations/postgres/0001_initial.sql.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE reviewers (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    reject_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE TABLE application_events (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    status TEXT NOT NULL,
    note TEXT,
    at BIGINT NOT NULL
);
CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    card_number TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE credentials (
    serial INTEGER PRIMARY KEY,
    card_id BIGINT NOT NULL REFERENCES cards(id),
    device_key TEXT NOT NULL,
    issuer_key_id BIGINT NOT NULL,
    not_before_day BIGINT NOT NULL,
    not_after_day BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE revocations (
    serial BIGINT PRIMARY KEY,
    not_after_day BIGINT NOT NULL,
    reason TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX revocations_version ON revocations (version);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('revocation_version', 0), ('card_number', 0);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    reviewer_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE TABLE scan_logs (
    log_id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL,
    serial TEXT,
    result TEXT NOT NULL,
    scanned_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
