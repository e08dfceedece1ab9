"""Cost queries over the organization's priced usage events: the cost report (GET /costs, ``genai-costs
costs``), estimates, reconciliation and savings as JSON, and billing-export uploads (functions/costs)."""
