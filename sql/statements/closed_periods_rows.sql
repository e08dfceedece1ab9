-- Every billing period the organization has closed or reopened, oldest first.
SELECT *
FROM genai_closed_periods
ORDER BY billing_period_start
