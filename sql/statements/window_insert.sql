-- Moves staged rows (already restricted to the window) into the target table.
INSERT INTO target_table
SELECT * FROM staging_table
