-- +goose Up
-- Maintenance and blackout windows (issue 9): a first span in an IANA zone
-- and its RFC 5545 recurrence. first_start and last_end (NULL: recurs for
-- ever) let a range query skip windows that cannot reach it.
CREATE TABLE schedule_windows (
    id               TEXT PRIMARY KEY,
    name             TEXT COLLATE "C" NOT NULL UNIQUE,
    description      TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    scope            TEXT NOT NULL DEFAULT '{}',
    time_zone        TEXT NOT NULL,
    local_start      TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    rrule            TEXT NOT NULL DEFAULT '',
    exdates          TEXT NOT NULL DEFAULT '[]',
    rdates           TEXT NOT NULL DEFAULT '[]',
    first_start      TIMESTAMPTZ NOT NULL,
    last_end         TIMESTAMPTZ,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX schedule_windows_span ON schedule_windows (first_start, last_end);

-- Per-user tokens of the iCalendar feed: calendar clients send no
-- Authorization header, so the token is in the URL; only its SHA-256 is
-- kept.
CREATE TABLE schedule_feed_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX schedule_feed_tokens_user ON schedule_feed_tokens (user_id, created_at);

-- The override of blocking schedule conflicts, recorded on the RFC.
ALTER TABLE rfcs ADD COLUMN schedule_override TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE rfcs DROP COLUMN schedule_override;
DROP TABLE schedule_feed_tokens;
DROP TABLE schedule_windows;
