-- +goose Up
-- (PostgreSQL's 00013 also moves RFC numbers to a sequence; SQLite's single
-- writer serialises creates anyway, so the counters row stays here.)
-- The change record of a category (the risk input of classify and every
-- rescore) counts the closed RFCs of one category: covered by this index
-- instead of reading every RFC of the category through rfcs_category.
CREATE INDEX rfcs_state_category ON rfcs (state, category, close_code);

-- +goose Down
DROP INDEX rfcs_state_category;
