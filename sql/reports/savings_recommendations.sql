-- Savings recommendations with dollars per month, their evidence window and figures, largest first.
SELECT recommendation_type, provider, model, subject, recommendation, utilization_pct, evidence_start,
  evidence_end, evidence_days, evidence_cost_usd, savings_usd_per_month, evidence
FROM genai_savings_recommendations
ORDER BY savings_usd_per_month DESC, provider, subject
