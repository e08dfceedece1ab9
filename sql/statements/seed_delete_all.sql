-- Reference-table reload, first half: the table is owned by the code (rendered from the provider
-- catalog), so every row goes and the current seed replaces it in the same transaction. Slot: target_table.
DELETE FROM target_table
WHERE TRUE
