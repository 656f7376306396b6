-- +goose Up
-- The configuration baseline of an RFC's affected CIs, taken when the RFC
-- is approved (MOF): the CI version then, whose snapshot ci_versions keeps.
CREATE TABLE rfc_baselines (
    rfc_id     TEXT NOT NULL REFERENCES rfcs (id),
    ci_id      TEXT NOT NULL REFERENCES cis (id),
    ci_version BIGINT NOT NULL,
    taken_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rfc_id, ci_id)
);

-- +goose Down
DROP TABLE rfc_baselines;
