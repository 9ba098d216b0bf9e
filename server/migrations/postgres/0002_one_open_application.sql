-- One open application per person (anything not rejected), enforced by the database so that
-- two submissions with different idempotency keys sent at once cannot both succeed.
CREATE UNIQUE INDEX applications_one_open ON applications (user_id) WHERE status <> 'rejected';
