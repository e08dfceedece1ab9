-- Pay-as-you-go costs for [p_start_date, p_end_date): every token category of every genai_usage_daily
-- row, priced with the price row valid on its day. One job of sp_genai_2_consolidate_costs_daily,
-- which writes these rows (the genai_costs_daily_unified columns but consolidated_at). The pricing
-- itself (price choice, rates, free tiers, unpriced reasons) is genai_costs_engine_payg, shared with the
-- per-request usage events.
CREATE OR REPLACE TABLE FUNCTION genai_costs_payg(p_org_slug STRING, p_start_date DATE, p_end_date DATE) AS
SELECT * FROM genai_costs_engine_payg(p_org_slug, 'usage', p_start_date, p_end_date);
