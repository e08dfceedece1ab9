-- Reference-table reload, second half: every staged seed row. Slots: target_table, staging_table.
INSERT INTO target_table
SELECT * FROM staging_table
