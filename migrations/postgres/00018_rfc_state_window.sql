-- +goose Up
-- The schedule's conflict check asks for the RFCs in a few states whose
-- window overlaps a span (window_start < to AND window_end > from). Past
-- windows are the many (every closed RFC ever), so the selective bound is
-- window_end > from: measured (issue 14), rfcs_window on window_start read
-- every earlier RFC and took most of a create's and a reschedule's time.
CREATE INDEX rfcs_state_window_end ON rfcs (state, window_end);

-- +goose Down
DROP INDEX rfcs_state_window_end;
