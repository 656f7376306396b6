-- +goose Up
-- The patch catalog (DESIGN §2 Update): one row per update, one update
-- per advisory (keyed by its tracking id) or manual entry. The lists are
-- the record's JSON copy; the side tables below repeat what the API
-- filters and compliance join on, each with its index.
CREATE TABLE updates (
    id              TEXT PRIMARY KEY,
    vendor_id       TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    publisher       TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    severity_text   TEXT NOT NULL DEFAULT '',
    max_cvss        DOUBLE PRECISION NOT NULL DEFAULT 0,
    vulnerabilities TEXT NOT NULL DEFAULT '[]',
    products        TEXT NOT NULL DEFAULT '[]',
    remediations    TEXT NOT NULL DEFAULT '[]',
    fixed_packages  TEXT NOT NULL DEFAULT '[]',
    supersedes      TEXT NOT NULL DEFAULT '[]',
    superseded_by   TEXT NOT NULL DEFAULT '[]',
    reboot_required BOOLEAN NOT NULL DEFAULT FALSE,
    released_at     TIMESTAMPTZ NOT NULL,
    revised_at      TIMESTAMPTZ NOT NULL,
    url             TEXT NOT NULL DEFAULT '',
    -- The source document; '' for manual entries. doc_revisions is its
    -- revision history, doc_sha256 the hash of the bytes imported.
    doc_tracking_id TEXT NOT NULL DEFAULT '',
    doc_version     TEXT NOT NULL DEFAULT '',
    doc_status      TEXT NOT NULL DEFAULT '',
    doc_category    TEXT NOT NULL DEFAULT '',
    doc_namespace   TEXT NOT NULL DEFAULT '',
    doc_sha256      TEXT NOT NULL DEFAULT '',
    doc_digest      TEXT NOT NULL DEFAULT '',
    doc_revisions   TEXT NOT NULL DEFAULT '[]',
    state           TEXT NOT NULL,
    state_reason    TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- Lists page newest first by (released_at, id), filtered or not.
CREATE INDEX updates_released ON updates (released_at, id);
CREATE INDEX updates_state ON updates (state, released_at, id);
CREATE INDEX updates_severity ON updates (severity, released_at, id);
CREATE INDEX updates_source ON updates (source, released_at, id);

-- cve= filter.
CREATE TABLE update_cves (
    update_id TEXT NOT NULL REFERENCES updates (id),
    cve       TEXT NOT NULL,
    PRIMARY KEY (update_id, cve)
);
CREATE INDEX update_cves_cve ON update_cves (cve, update_id);

-- product= filter: the lower-cased product ids, names, CPEs, purls and
-- fixed package names of each update.
CREATE TABLE update_products (
    update_id TEXT NOT NULL REFERENCES updates (id),
    key       TEXT NOT NULL,
    PRIMARY KEY (update_id, key)
);
CREATE INDEX update_products_key ON update_products (key, update_id);

-- The fixed packages compliance compares (deb, rpm, msi, kb), joined with
-- ci_packages on (kind, name).
CREATE TABLE update_packages (
    update_id    TEXT NOT NULL REFERENCES updates (id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    architecture TEXT NOT NULL DEFAULT '',
    platform     TEXT NOT NULL DEFAULT '',
    version      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (update_id, kind, name, architecture, platform)
);
CREATE INDEX update_packages_name ON update_packages (kind, name, update_id);

-- Which updates name which vendor id as superseded, so that an update
-- arriving after its successor is linked at once.
CREATE TABLE update_supersedes (
    update_id  TEXT NOT NULL REFERENCES updates (id),
    supersedes TEXT NOT NULL,
    PRIMARY KEY (update_id, supersedes)
);
CREATE INDEX update_supersedes_target ON update_supersedes (supersedes, update_id);

-- Stored verdicts: one row per CI and applicable update (installed,
-- required, or unknown when versions could not be compared); a missing
-- row means not applicable. Freshness is judged when read, against
-- ci_inventories.reported_at. evaluated_at is when the verdict last changed.
CREATE TABLE compliance_results (
    ci_id        TEXT NOT NULL REFERENCES cis (id),
    update_id    TEXT NOT NULL REFERENCES updates (id),
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    evidence     TEXT NOT NULL DEFAULT '[]',
    evaluated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ci_id, update_id)
);
CREATE INDEX compliance_results_update ON compliance_results (update_id, status, ci_id);

-- Counts kept with the verdicts, so that the summary reads counts instead
-- of scanning verdicts: per update (every CI with a verdict) and per CI
-- (open updates only). A compliance_cis row is also the CI's compliance
-- lock: writers take them in ci_id order, then the update counts.
CREATE TABLE compliance_updates (
    update_id TEXT PRIMARY KEY REFERENCES updates (id),
    installed INTEGER NOT NULL DEFAULT 0,
    required  INTEGER NOT NULL DEFAULT 0,
    unknown   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE compliance_cis (
    ci_id        TEXT PRIMARY KEY REFERENCES cis (id),
    installed    INTEGER NOT NULL DEFAULT 0,
    required     INTEGER NOT NULL DEFAULT 0,
    unknown      INTEGER NOT NULL DEFAULT 0,
    evaluated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE compliance_cis;
DROP TABLE compliance_updates;
DROP TABLE compliance_results;
DROP TABLE update_supersedes;
DROP TABLE update_packages;
DROP TABLE update_products;
DROP TABLE update_cves;
DROP TABLE updates;
