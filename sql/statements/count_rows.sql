-- Row count of one catalog table, for onboarding summaries. Slot: target_table.
SELECT COUNT(*) AS row_count FROM target_table
