-- The bill attributed to tenants, users, services and workflows for [p_start_date, p_end_date), into
-- genai_cost_allocation, replacing exactly that window.
--
-- Pool: usage day x provider x model x api key x project (as the provider reports them), costed from the
-- provider's usage by sp_genai_2 (genai_costs_daily_unified, pay-as-you-go rows that are priced). The
-- consumers of a pool are its events' (tenant, user, service, workflow), matched on the same keys, with
-- their events' estimated cost (genai_usage_event_costs, the same pricing engine). The events explain at
-- most their estimate: LEAST(pool, estimate) is split among consumers in proportion to their estimate,
-- and the rest stays visible as ONE unallocated row (a pool without events is all remainder). Shares are
-- rounded to 9 decimals and the rounding residue goes to the pool's largest consumer, so a pool's rows
-- add back exactly to it (sql/checks/allocation_adds_back_to_pool.sql). Priced events of pools the
-- provider does not report (Groq: usage only from events) are their own cost, 'estimate_only'.
CREATE OR REPLACE PROCEDURE sp_genai_4b_allocate_costs(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
BEGIN
  DELETE FROM genai_cost_allocation
  WHERE usage_date >= p_start_date AND usage_date < p_end_date;

  INSERT INTO genai_cost_allocation (
    allocation_id, org_slug, usage_date, provider, model, api_key_id, project_id, allocation_kind, tenant_id,
    user_id, service, workflow_id, requests, estimated_cost_usd, pool_cost_usd, allocated_ratio,
    allocated_cost_usd, consolidated_at
  )
  WITH pools AS (
    SELECT usage_date, provider, model, api_key_id, project_id, SUM(cost_usd) AS pool_cost_usd
    FROM genai_costs_daily_unified
    WHERE usage_date >= p_start_date AND usage_date < p_end_date AND org_slug = p_org_slug
      AND flow = 'payg' AND cost_status = 'priced'
    GROUP BY usage_date, provider, model, api_key_id, project_id
  ),
  consumers AS (
    SELECT
      event_date AS usage_date, provider, model, api_key_id, project_id, tenant_id, user_id, service, workflow_id,
      COUNT(*) AS requests, SUM(estimated_cost_usd) AS estimated_cost_usd
    FROM genai_usage_event_costs
    WHERE event_date >= p_start_date AND event_date < p_end_date AND org_slug = p_org_slug
      AND cost_status = 'priced'
    GROUP BY event_date, provider, model, api_key_id, project_id, tenant_id, user_id, service, workflow_id
  ),
  matched AS (
    SELECT
      p.usage_date, p.provider, p.model, p.api_key_id, p.project_id, p.pool_cost_usd, c.tenant_id, c.user_id,
      c.service, c.workflow_id, c.requests, c.estimated_cost_usd,
      SUM(c.estimated_cost_usd) OVER pool AS pool_estimate_usd,
      ROW_NUMBER() OVER (
        PARTITION BY p.usage_date, p.provider, p.model, p.api_key_id, p.project_id
        ORDER BY c.estimated_cost_usd DESC, c.tenant_id, c.user_id, c.service, c.workflow_id
      ) AS share_rank
    FROM pools AS p
    JOIN consumers AS c
      ON c.usage_date = p.usage_date AND c.provider = p.provider AND IFNULL(c.model, '') = IFNULL(p.model, '')
      AND IFNULL(c.api_key_id, '') = IFNULL(p.api_key_id, '') AND IFNULL(c.project_id, '') = IFNULL(p.project_id, '')
    WINDOW pool AS (PARTITION BY p.usage_date, p.provider, p.model, p.api_key_id, p.project_id)
  ),
  shares AS (
    SELECT
      m.*,
      IF(m.pool_estimate_usd > 0,
        ROUND(CAST(LEAST(m.pool_cost_usd, m.pool_estimate_usd) * m.estimated_cost_usd / m.pool_estimate_usd AS NUMERIC), 9),
        CAST(0 AS NUMERIC)) AS rounded_share
    FROM matched AS m
  ),
  allocated AS (
    SELECT
      s.* EXCEPT (rounded_share),
      s.rounded_share + IF(s.share_rank = 1,
        LEAST(s.pool_cost_usd, s.pool_estimate_usd) - SUM(s.rounded_share) OVER pool, CAST(0 AS NUMERIC)) AS share_usd
    FROM shares AS s
    WINDOW pool AS (PARTITION BY s.usage_date, s.provider, s.model, s.api_key_id, s.project_id)
  ),
  explained AS (
    SELECT usage_date, provider, model, api_key_id, project_id, SUM(share_usd) AS explained_usd
    FROM allocated
    GROUP BY usage_date, provider, model, api_key_id, project_id
  ),
  all_rows AS (
    SELECT
      usage_date, provider, model, api_key_id, project_id, 'allocated' AS allocation_kind, tenant_id, user_id,
      service, workflow_id, requests, estimated_cost_usd, pool_cost_usd, share_usd AS allocated_cost_usd
    FROM allocated
    UNION ALL
    SELECT
      p.usage_date, p.provider, p.model, p.api_key_id, p.project_id, 'unallocated' AS allocation_kind,
      CAST(NULL AS STRING) AS tenant_id, CAST(NULL AS STRING) AS user_id, CAST(NULL AS STRING) AS service,
      CAST(NULL AS STRING) AS workflow_id, 0 AS requests, CAST(NULL AS NUMERIC) AS estimated_cost_usd,
      p.pool_cost_usd, p.pool_cost_usd - IFNULL(x.explained_usd, 0) AS allocated_cost_usd
    FROM pools AS p
    LEFT JOIN explained AS x
      ON x.usage_date = p.usage_date AND x.provider = p.provider AND IFNULL(x.model, '') = IFNULL(p.model, '')
      AND IFNULL(x.api_key_id, '') = IFNULL(p.api_key_id, '') AND IFNULL(x.project_id, '') = IFNULL(p.project_id, '')
    WHERE p.pool_cost_usd - IFNULL(x.explained_usd, 0) != 0 OR x.usage_date IS NULL
    UNION ALL
    SELECT
      c.usage_date, c.provider, c.model, c.api_key_id, c.project_id, 'estimate_only' AS allocation_kind, c.tenant_id,
      c.user_id, c.service, c.workflow_id, c.requests, c.estimated_cost_usd, CAST(NULL AS NUMERIC) AS pool_cost_usd,
      c.estimated_cost_usd AS allocated_cost_usd
    FROM consumers AS c
    WHERE NOT EXISTS (SELECT 1 FROM pools AS p WHERE p.provider = c.provider)
  )
  SELECT
    TO_HEX(SHA256(TO_JSON_STRING([
      CAST(usage_date AS STRING), provider, model, api_key_id, project_id, allocation_kind, tenant_id, user_id,
      service, workflow_id
    ]))) AS allocation_id,
    p_org_slug AS org_slug, usage_date, provider, model, api_key_id, project_id, allocation_kind, tenant_id, user_id,
    service, workflow_id, requests, estimated_cost_usd, pool_cost_usd,
    IF(pool_cost_usd > 0, ROUND(CAST(allocated_cost_usd / pool_cost_usd AS NUMERIC), 9), NULL) AS allocated_ratio,
    allocated_cost_usd,
    CURRENT_TIMESTAMP() AS consolidated_at
  FROM all_rows;
END;
