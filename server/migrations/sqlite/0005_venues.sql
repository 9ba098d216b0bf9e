-- Venue reservations (实施清单 items 18–21). Keep in step with migrations/postgres/0005_venues.sql.

-- Staff roles: `reviewer` (card applications) and/or `operator` (venues), comma-separated.
ALTER TABLE reviewers ADD COLUMN roles TEXT NOT NULL DEFAULT 'reviewer';

-- A stable, random, per-person handle carried in credential serials
-- (serial = handle << 24 | credential number): gates match bookings and derive library reader
-- ids from it. It is not derived from the ID number.
CREATE TABLE holders (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    handle BIGINT NOT NULL UNIQUE,
    credentials BIGINT NOT NULL DEFAULT 0
);

-- A venue: its operator's configuration (VenueConfig JSON, see src/rules/venue.rs), the hash
-- of the token its gates present, and a library's reader-id key.
CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    config TEXT NOT NULL,
    gate_token_hash TEXT NOT NULL,
    reader_key TEXT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per slot that has been booked at least once; `booked < capacity` is enforced by a
-- conditional update in the booking's transaction.
CREATE TABLE venue_slots (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues(id),
    day BIGINT NOT NULL,
    start_min BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    booked BIGINT NOT NULL DEFAULT 0,
    UNIQUE (venue_id, day, start_min)
);

-- status: booked, cancelled, attended, no_show.
CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    day BIGINT NOT NULL,
    start_min BIGINT NOT NULL,
    end_min BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    no_show_after BIGINT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    attended_at BIGINT,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX bookings_venue_day ON bookings (venue_id, day, status);
CREATE INDEX bookings_user_venue ON bookings (user_id, venue_id, status);

-- Annual passes (年卡) and priority entry granted by a venue.
CREATE TABLE venue_passes (
    id INTEGER PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (venue_id, user_id, kind)
);
