-- The first statement of every guarded write transaction (conditional inserts into genai_budgets,
-- genai_alert_ledger and genai_alert_deliveries). Updating the guard row makes the transaction a
-- mutating one on genai_budget_guards: BigQuery runs no two transactions that mutate the same table
-- at once and cancels the one that conflicts; DuckDB refuses the second update of the same row. The
-- writer that lost retries on a fresh snapshot, where the keys the winner inserted are visible, so
-- the MERGE that follows inserts nothing twice. An insert-only MERGE alone would not do: it never
-- conflicts, and two of them can each see a key as absent.
-- @p_guard STRING  @p_holder STRING  @p_now TIMESTAMP
UPDATE genai_budget_guards
SET generation = generation + 1, holder = @p_holder, updated_at = @p_now
WHERE guard = @p_guard
