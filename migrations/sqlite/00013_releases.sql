-- +goose Up
-- Release packages (MOF Release Management), their review gates, their
-- deployments in waves, the per-CI targets and the agents' report ids.
INSERT INTO counters (name, value) VALUES ('release', 0);

CREATE TABLE releases (
    id            TEXT PRIMARY KEY,
    number        BIGINT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    owner_id      TEXT NOT NULL,
    rfc_ids       TEXT NOT NULL,
    update_ids    TEXT NOT NULL,
    items         TEXT NOT NULL,
    commands      TEXT NOT NULL,
    backout_plan  TEXT NOT NULL DEFAULT '',
    test_evidence TEXT NOT NULL DEFAULT '',
    pilot_results TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX releases_state ON releases (state, number);

-- The RFCs each release implements, for "the releases of an RFC".
CREATE TABLE release_rfcs (
    release_id TEXT NOT NULL REFERENCES releases (id),
    rfc_id     TEXT NOT NULL REFERENCES rfcs (id),
    PRIMARY KEY (release_id, rfc_id)
);
CREATE INDEX release_rfcs_rfc ON release_rfcs (rfc_id, release_id);

-- Every review held: the checklist as evaluated and who signed it.
CREATE TABLE release_gates (
    id         TEXT PRIMARY KEY,
    release_id TEXT NOT NULL REFERENCES releases (id),
    kind       TEXT NOT NULL,
    passed     BOOLEAN NOT NULL,
    items      TEXT NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    signed_by  TEXT NOT NULL,
    signed_at  DATETIME NOT NULL
);
CREATE INDEX release_gates_release ON release_gates (release_id, signed_at);

CREATE TABLE deployments (
    id              TEXT PRIMARY KEY,
    release_id      TEXT NOT NULL REFERENCES releases (id),
    state           TEXT NOT NULL,
    mode            TEXT NOT NULL,
    emergency       BOOLEAN NOT NULL,
    packages        TEXT NOT NULL,
    commands        TEXT NOT NULL,
    update_ids      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    rollback_reason TEXT NOT NULL DEFAULT '',
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    finished_at     DATETIME
);
CREATE INDEX deployments_release ON deployments (release_id, created_at);
CREATE INDEX deployments_state ON deployments (state, id);

CREATE TABLE deployment_waves (
    deployment_id    TEXT NOT NULL REFERENCES deployments (id),
    number           INTEGER NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    starts_at        DATETIME NOT NULL,
    ends_at          DATETIME NOT NULL,
    max_failed_share REAL NOT NULL,
    require_previous BOOLEAN NOT NULL,
    state            TEXT NOT NULL,
    opened_at        DATETIME,
    closed_at        DATETIME,
    PRIMARY KEY (deployment_id, number)
);

-- One row per CI of a deployment, frozen at creation: its wave, the RFC
-- authorising it, and its latest result.
CREATE TABLE deployment_targets (
    deployment_id  TEXT NOT NULL REFERENCES deployments (id),
    ci_id          TEXT NOT NULL REFERENCES cis (id),
    ci_name        TEXT NOT NULL,
    -- platform is the CI's os when the deployment was created: it picks
    -- the command template the agent runs.
    platform       TEXT NOT NULL DEFAULT '',
    rfc_id         TEXT NOT NULL REFERENCES rfcs (id),
    wave           INTEGER NOT NULL,
    state          TEXT NOT NULL,
    attempt        INTEGER NOT NULL DEFAULT 0,
    reboot_pending BOOLEAN NOT NULL DEFAULT FALSE,
    exit_code      INTEGER,
    output         TEXT NOT NULL DEFAULT '',
    started_at     DATETIME,
    finished_at    DATETIME,
    version        BIGINT NOT NULL DEFAULT 1,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (deployment_id, ci_id)
);
CREATE INDEX deployment_targets_wave ON deployment_targets (deployment_id, wave, state, ci_id);
CREATE INDEX deployment_targets_state ON deployment_targets (deployment_id, state, ci_id);
CREATE INDEX deployment_targets_ci ON deployment_targets (ci_id, deployment_id);

-- The report ids agents sent: a report sent twice counts once.
CREATE TABLE deployment_reports (
    report_id     TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    ci_id         TEXT NOT NULL,
    received_at   DATETIME NOT NULL
);

-- +goose Down
DROP TABLE deployment_reports;
DROP TABLE deployment_targets;
DROP TABLE deployment_waves;
DROP TABLE deployments;
DROP TABLE release_gates;
DROP TABLE release_rfcs;
DROP TABLE releases;
DELETE FROM counters WHERE name = 'release';
