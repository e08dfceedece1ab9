-- Moves staged rows (already restricted to the window) into the target table, one row per
-- record_id: a record a provider served twice (a page replayed under a new cursor) lands once.
-- Copies of a record are identical here (window_assert_one_version refused the write otherwise),
-- so any one of them will do.
INSERT INTO target_table
SELECT * FROM staging_table
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY record_id) = 1
