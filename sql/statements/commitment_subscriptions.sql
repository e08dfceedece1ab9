-- The organization's enabled commitment configuration for one provider and commitment type:
-- the terms and prices no provider API exposes (Bedrock per-unit price, Vertex GSU orders).
SELECT *
FROM llm_subscriptions
WHERE provider = @provider AND commitment_type = @commitment_type AND is_enabled
ORDER BY subscription_id
