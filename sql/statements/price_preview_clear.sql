-- prices diff, step 3 of 5: an earlier preview with the same id goes.
-- @p_preview_id STRING
DELETE FROM genai_price_previews
WHERE preview_id = @p_preview_id
