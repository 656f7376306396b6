-- +goose Up
-- Each seal carries a MAC keyed by the audit key (kept outside the
-- database), so that a chain recomputed after an edit is detected at its
-- first rewritten link; seals made before the key have ''.
ALTER TABLE audit_seals ADD COLUMN mac TEXT NOT NULL DEFAULT '';

-- Signed checkpoints of the chain's head (see internal/audit/keys.go); also
-- published outside the database. Append-only like the trail.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    seq       BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    signed_at DATETIME NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'table audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'table audit_checkpoints is append-only'); END;

-- +goose Down
DROP TABLE audit_checkpoints;
ALTER TABLE audit_seals DROP COLUMN mac;
