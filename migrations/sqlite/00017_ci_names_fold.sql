-- +goose Up
-- CI names are unique without regard to (ASCII) case: "Web01" and "web01"
-- would be two records of one machine. lower() folds ASCII alike on SQLite
-- and on PostgreSQL's "C" collation; lookups by name use the same index.
-- A database that already holds two such names fails here, naming the
-- index: rename one of them, then migrate again.
CREATE UNIQUE INDEX cis_name_fold ON cis (lower(name));

-- +goose Down
DROP INDEX cis_name_fold;
