-- +goose Up
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('rfc', 1000);

CREATE TABLE rfcs (
    id                  TEXT PRIMARY KEY,
    number              BIGINT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    reason              TEXT NOT NULL DEFAULT '',
    category            TEXT NOT NULL DEFAULT '',
    priority            TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    requester_id        TEXT NOT NULL REFERENCES users (id),
    change_manager_id   TEXT NOT NULL DEFAULT '',
    affected_cis        TEXT NOT NULL DEFAULT '[]',
    linked_updates      TEXT NOT NULL DEFAULT '[]',
    release_id          TEXT NOT NULL DEFAULT '',
    window_start        DATETIME,
    window_end          DATETIME,
    window_tz           TEXT NOT NULL DEFAULT '',
    implementation_plan TEXT NOT NULL DEFAULT '',
    backout_plan        TEXT NOT NULL DEFAULT '',
    test_plan           TEXT NOT NULL DEFAULT '',
    test_evidence       TEXT NOT NULL DEFAULT '',
    risk_inputs         TEXT NOT NULL DEFAULT '{}',
    risk                TEXT NOT NULL DEFAULT '{}',
    risk_score          INTEGER NOT NULL DEFAULT 0,
    template_id         TEXT NOT NULL DEFAULT '',
    close_code          TEXT NOT NULL DEFAULT '',
    review_notes        TEXT NOT NULL DEFAULT '',
    approval_round      INTEGER NOT NULL DEFAULT 0,
    approval_stage      INTEGER NOT NULL DEFAULT 0,
    approved_start      DATETIME,
    approved_end        DATETIME,
    approved_tz         TEXT NOT NULL DEFAULT '',
    retro_review_due    DATETIME,
    retro_reviewed_at   DATETIME,
    retro_reviewed_by   TEXT NOT NULL DEFAULT '',
    retro_review_notes  TEXT NOT NULL DEFAULT '',
    -- lock_seq is bumped by every vote before it reads the round: the
    -- row lock serialises the votes on one RFC and nothing else.
    lock_seq            BIGINT NOT NULL DEFAULT 0,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX rfcs_state ON rfcs (state, number);
CREATE INDEX rfcs_category ON rfcs (category, number);
CREATE INDEX rfcs_priority ON rfcs (priority, number);
CREATE INDEX rfcs_requester ON rfcs (requester_id, number);
CREATE INDEX rfcs_window ON rfcs (window_start, window_end);
CREATE INDEX rfcs_retro ON rfcs (retro_review_due) WHERE retro_reviewed_at IS NULL;

-- One row per affected CI, for the ci= filter and, later, the CMDB's
-- "which changes touch this CI".
CREATE TABLE rfc_cis (
    rfc_id TEXT NOT NULL REFERENCES rfcs (id),
    ci_id  TEXT NOT NULL,
    PRIMARY KEY (rfc_id, ci_id)
);
CREATE INDEX rfc_cis_ci ON rfc_cis (ci_id, rfc_id);

CREATE TABLE boards (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL UNIQUE,
    quorum     INTEGER NOT NULL,
    rule       TEXT NOT NULL,
    members    TEXT NOT NULL DEFAULT '[]',
    version    BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Votes are recorded once and never edited: one per member, board and
-- round, which makes a double vote a unique-key conflict.
CREATE TABLE votes (
    id         TEXT PRIMARY KEY,
    rfc_id     TEXT NOT NULL REFERENCES rfcs (id),
    board_id   TEXT NOT NULL REFERENCES boards (id),
    round      INTEGER NOT NULL,
    voter_id   TEXT NOT NULL REFERENCES users (id),
    decision   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    meeting_id TEXT NOT NULL DEFAULT '',
    cast_at    DATETIME NOT NULL,
    UNIQUE (rfc_id, board_id, round, voter_id)
);
CREATE INDEX votes_voter ON votes (voter_id, cast_at);

CREATE TABLE change_templates (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    description         TEXT NOT NULL DEFAULT '',
    implementation_plan TEXT NOT NULL DEFAULT '',
    backout_plan        TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    created_by          TEXT NOT NULL REFERENCES users (id),
    approved_by         TEXT NOT NULL DEFAULT '',
    approved_at         DATETIME,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);

CREATE TABLE cab_meetings (
    id         TEXT PRIMARY KEY,
    board_id   TEXT NOT NULL REFERENCES boards (id),
    title      TEXT NOT NULL,
    starts_at  DATETIME NOT NULL,
    state      TEXT NOT NULL,
    agenda     TEXT NOT NULL DEFAULT '[]',
    attendees  TEXT NOT NULL DEFAULT '[]',
    minutes    TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users (id),
    version    BIGINT NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX cab_meetings_starts ON cab_meetings (starts_at, id);

-- Idempotency-Key records: the first answer to a creating POST, replayed
-- for the same key and body.
CREATE TABLE idempotency_keys (
    actor_id     TEXT NOT NULL,
    key          TEXT NOT NULL,
    method_path  TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE cab_meetings;
DROP TABLE change_templates;
DROP TABLE votes;
DROP TABLE boards;
DROP TABLE rfc_cis;
DROP TABLE rfcs;
DROP TABLE counters;
