-- +goose Up
-- Configuration items (DESIGN §2). Names compare byte-wise (COLLATE "C"),
-- as on SQLite, so that the keyset order of lists is the same on both.
CREATE TABLE cis (
    id          TEXT PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    environment TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    criticality TEXT NOT NULL,
    os          TEXT NOT NULL DEFAULT '',
    os_version  TEXT NOT NULL DEFAULT '',
    attributes  TEXT NOT NULL DEFAULT '{}',
    -- agent_id names the user (role agent) whose tokens may report this
    -- CI's inventory; '' for none.
    agent_id    TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX cis_type ON cis (type, name);
CREATE INDEX cis_environment ON cis (environment, name);
CREATE INDEX cis_criticality ON cis (criticality, name);
CREATE INDEX cis_state ON cis (state, name);
CREATE INDEX cis_owner ON cis (owner, name);
CREATE INDEX cis_agent ON cis (agent_id, name);

-- The free attributes again, one row each, for indexed equality filters
-- (lists and dynamic groups); cis.attributes stays the record's copy.
CREATE TABLE ci_attributes (
    ci_id TEXT NOT NULL REFERENCES cis (id),
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ci_id, key)
);
CREATE INDEX ci_attributes_value ON ci_attributes (key, value, ci_id);

-- Every version of every CI: the whole record as it was and what changed,
-- for history and for GET /cis/{id}?at=.
CREATE TABLE ci_versions (
    ci_id       TEXT NOT NULL REFERENCES cis (id),
    version     BIGINT NOT NULL,
    action      TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    changes     TEXT NOT NULL,
    snapshot    TEXT NOT NULL,
    PRIMARY KEY (ci_id, version)
);

-- Typed, directed relationships. dependent_id and dependency_id say which
-- end relies on which (derived from the type when written): impact walks
-- them, through the two indexes below.
CREATE TABLE ci_relationships (
    id            TEXT PRIMARY KEY,
    source_id     TEXT NOT NULL REFERENCES cis (id),
    type          TEXT NOT NULL,
    target_id     TEXT NOT NULL REFERENCES cis (id),
    dependent_id  TEXT NOT NULL,
    dependency_id TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, type, target_id),
    CHECK (source_id <> target_id)
);
CREATE INDEX ci_relationships_target ON ci_relationships (target_id, source_id);
CREATE INDEX ci_relationships_dependency ON ci_relationships (dependency_id, dependent_id, type);
CREATE INDEX ci_relationships_dependent ON ci_relationships (dependent_id, dependency_id, type);

-- Groups: static (members listed) or dynamic (a filter resolved on demand).
CREATE TABLE ci_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    filter      TEXT NOT NULL DEFAULT '{}',
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE ci_group_members (
    group_id TEXT NOT NULL REFERENCES ci_groups (id),
    ci_id    TEXT NOT NULL REFERENCES cis (id),
    PRIMARY KEY (group_id, ci_id)
);
CREATE INDEX ci_group_members_ci ON ci_group_members (ci_id, group_id);

-- The last inventory an agent reported for a CI, and its packages. The
-- catalog reads these for compliance.
CREATE TABLE ci_inventories (
    ci_id         TEXT PRIMARY KEY REFERENCES cis (id),
    reported_at   TIMESTAMPTZ NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    package_count INTEGER NOT NULL,
    version       BIGINT NOT NULL
);

CREATE TABLE ci_packages (
    ci_id        TEXT NOT NULL REFERENCES cis (id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    architecture TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL,
    PRIMARY KEY (ci_id, kind, name, architecture)
);
CREATE INDEX ci_packages_name ON ci_packages (kind, name, ci_id);

-- +goose Down
DROP TABLE ci_packages;
DROP TABLE ci_inventories;
DROP TABLE ci_group_members;
DROP TABLE ci_groups;
DROP TABLE ci_relationships;
DROP TABLE ci_versions;
DROP TABLE ci_attributes;
DROP TABLE cis;
