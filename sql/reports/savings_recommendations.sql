-- Savings recommendations with dollars per month and their evidence window, largest first.
SELECT recommendation_type, provider, model, subject, recommendation, utilization_pct, evidence_start,
  evidence_end, evidence_cost_usd, savings_usd_per_month
FROM genai_savings_recommendations
ORDER BY savings_usd_per_month DESC, provider, subject
