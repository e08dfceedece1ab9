-- Adds seed rows whose key is not in the table yet. Existing rows -- custom or edited --
-- are never touched, so re-onboarding is harmless. Slots: target_table, staging_table, key_column.
INSERT INTO target_table
SELECT s.*
FROM staging_table AS s
WHERE NOT EXISTS (
  SELECT 1 FROM target_table AS t WHERE t.key_column = s.key_column
)
