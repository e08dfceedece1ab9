-- All providers' raw pay-as-you-go usage for [p_start_date, p_end_date) into one daily table. The
-- providers' raw tables are read through genai_payg_usage_all (rendered from the provider catalog).
-- Replaces exactly that window (delete + insert, inside the consolidation's one transaction); rows
-- outside it are never read or written. Every read filters on the partition column so BigQuery scans the window only.
CREATE OR REPLACE PROCEDURE sp_genai_1_consolidate_usage_daily(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_usage_daily
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_usage_daily (
    usage_id, org_slug, usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id,
    deployment, context_window, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens,
    cache_write_1h_tokens, input_audio_tokens, output_tokens, output_audio_tokens, requests,
    web_search_requests, raw_row_count, consolidated_at
  )
  WITH raw AS (
    SELECT * FROM genai_payg_usage_all WHERE usage_date >= p_start_date AND usage_date < p_end_date
  ),
  daily AS (
    SELECT
      usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id, deployment,
      context_window,
      SUM(input_uncached_tokens) AS input_uncached_tokens,
      SUM(input_cached_tokens) AS input_cached_tokens,
      SUM(cache_write_5m_tokens) AS cache_write_5m_tokens,
      SUM(cache_write_1h_tokens) AS cache_write_1h_tokens,
      SUM(input_audio_tokens) AS input_audio_tokens,
      SUM(output_tokens) AS output_tokens,
      SUM(output_audio_tokens) AS output_audio_tokens,
      SUM(requests) AS requests,
      SUM(web_search_requests) AS web_search_requests,
      COUNT(*) AS raw_row_count
    FROM raw
    WHERE org_slug = p_org_slug
    GROUP BY usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id, deployment,
      context_window
  )
  SELECT
    -- Compact id: the first 128 bits of SHA-256 of the grain, hex (deterministic on both engines;
    -- a collision needs ~2^64 daily rows; a prefix of the full digest, so ids sort as before).
    SUBSTR(TO_HEX(SHA256(CONCAT(
      p_org_slug, '|', CAST(usage_date AS STRING), '|', provider, '|', IFNULL(model, ''), '|', IFNULL(region, ''),
      '|', IFNULL(service_tier, ''), '|', IFNULL(CAST(is_batch AS STRING), ''), '|', IFNULL(project_id, ''),
      '|', IFNULL(api_key_id, ''), '|', IFNULL(deployment, ''), '|', IFNULL(context_window, '')
    ))), 1, 32) AS usage_id,
    p_org_slug AS org_slug,
    usage_date, provider, model, region, service_tier, is_batch, project_id, api_key_id, deployment,
    context_window, input_uncached_tokens, input_cached_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    input_audio_tokens, output_tokens, output_audio_tokens, requests, web_search_requests, raw_row_count,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM daily;
END;
