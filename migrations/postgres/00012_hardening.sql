-- +goose Up
-- Attribute filters of CI lists and dynamic groups are one containment
-- test (attributes::jsonb @> '{"k":"v"}'), answered by this index
-- whatever the number of criteria.
CREATE INDEX cis_attributes_gin ON cis USING GIN ((attributes::jsonb) jsonb_path_ops);

-- +goose Down
DROP INDEX cis_attributes_gin;
