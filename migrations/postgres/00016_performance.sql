-- +goose Up
-- RFC numbers from a sequence (issue 14): the counters row, updated as the
-- first statement of every create and locked until its commit, serialised
-- every create on PostgreSQL. A sequence hands out numbers without a lock
-- held to the commit; a rolled-back create leaves a gap, which change
-- numbers may have. It continues from the counter (numbers start at 1001).
CREATE SEQUENCE rfc_numbers;
SELECT setval('rfc_numbers', GREATEST(
    COALESCE((SELECT value FROM counters WHERE name = 'rfc'), 1000),
    COALESCE((SELECT MAX(number) FROM rfcs), 0)), true);
-- The change record of a category (the risk input of classify and every
-- rescore) counts the closed RFCs of one category: covered by this index
-- instead of reading every RFC of the category through rfcs_category.
CREATE INDEX rfcs_state_category ON rfcs (state, category, close_code);

-- +goose Down
DROP INDEX rfcs_state_category;
DROP SEQUENCE rfc_numbers;
