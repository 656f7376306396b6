-- +goose Up
-- A change to an active CI that no implementing RFC covers (MOF
-- configuration control): kept, never edited, listed for the CAB and the
-- auditors.
CREATE TABLE ci_unauthorized_changes (
    id         BIGSERIAL PRIMARY KEY,
    ci_id      TEXT NOT NULL REFERENCES cis (id),
    ci_version BIGINT NOT NULL,
    actor_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    fields     TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    UNIQUE (ci_id, ci_version)
);
CREATE INDEX ci_unauthorized_changes_time ON ci_unauthorized_changes (changed_at, id);

-- +goose Down
DROP TABLE ci_unauthorized_changes;
