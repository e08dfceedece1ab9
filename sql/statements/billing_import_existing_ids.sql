-- The record ids already imported for a date window: `reconcile import` loads only the others, so
-- re-importing a file adds nothing.
SELECT record_id
FROM genai_billing_imports_raw
WHERE usage_date >= @p_start_date AND usage_date < @p_end_date AND provider = @p_provider
