-- Seed reset, first half: drops the rows that came from the seed. Rows a user added
-- (is_custom = TRUE) survive every reset. Slot: target_table.
DELETE FROM target_table
WHERE is_custom = FALSE
