-- The applicant, not the submitting account, owns an application and its card; bulk
-- applications by employers and schools. Keep in step with migrations/postgres/0004_applicant_and_batches.sql.

-- Bulk uploads (批量申领): one row per accepted CSV upload; `answer` is the JSON answered, so
-- that a retry with the same Idempotency-Key gets it again.
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    agent_uscc TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    accepted_count BIGINT NOT NULL,
    answer TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (submitted_by, idempotency_key)
);

-- Who the application is for (the checked document number and name); the submitting account
-- stays in user_id (本人, a guardian, or an organisation's agent).
ALTER TABLE applications ADD COLUMN applicant_id_number TEXT;
ALTER TABLE applications ADD COLUMN applicant_name TEXT;
ALTER TABLE applications ADD COLUMN batch_id BIGINT REFERENCES batches(id);
UPDATE applications SET
    applicant_id_number = COALESCE(
        json_extract(data, '$.document.number'),
        (SELECT u.id_number FROM users u WHERE u.id = applications.user_id)),
    applicant_name = COALESCE(
        json_extract(data, '$.name'),
        (SELECT u.name FROM users u WHERE u.id = applications.user_id));
-- Before this migration the limit was one open application per account, so a child could
-- have two (one by a guardian, one by the child's own account): keep the older one open under
-- the new rule and mark the later one's applicant so that the new index can be built.
UPDATE applications SET applicant_id_number = applicant_id_number || '#' || id
WHERE status <> 'rejected' AND EXISTS (
    SELECT 1 FROM applications b
    WHERE b.applicant_id_number = applications.applicant_id_number
      AND b.status <> 'rejected' AND b.id < applications.id);
DROP INDEX applications_one_open;
-- One open application (anything not rejected) per applicant, whoever submits it.
CREATE UNIQUE INDEX applications_one_open_applicant ON applications (applicant_id_number)
    WHERE status <> 'rejected';
CREATE INDEX applications_batch ON applications (batch_id);

-- The card's holder: the applicant's document number (the account with this ID number sees
-- the card). Backfilled from the application's applicant, else the account's own number.
ALTER TABLE cards ADD COLUMN holder_id_number TEXT;
UPDATE cards SET holder_id_number = COALESCE(
    (SELECT json_extract(a.data, '$.document.number') FROM applications a WHERE a.id = cards.application_id),
    (SELECT u.id_number FROM users u WHERE u.id = cards.user_id));
CREATE INDEX cards_holder ON cards (holder_id_number);
