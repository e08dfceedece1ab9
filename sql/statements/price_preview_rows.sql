-- A preview's rows (prices diff), by provider, model and month.
-- @p_preview_id STRING
SELECT *
FROM genai_price_previews
WHERE preview_id = @p_preview_id
ORDER BY provider, model, month
