-- +goose Up
-- SQLite answers attribute filters from the ci_attributes index of 00003;
-- the PostgreSQL side of this number adds a GIN index.
SELECT 1;

-- +goose Down
SELECT 1;
