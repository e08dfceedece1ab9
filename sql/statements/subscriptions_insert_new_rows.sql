-- Plans API: adds the staged subscription rows whose subscription_id is not in the table yet.
INSERT INTO llm_subscriptions
SELECT s.*
FROM _staging_llm_subscriptions AS s
WHERE NOT EXISTS (
  SELECT 1 FROM llm_subscriptions AS t WHERE t.subscription_id = s.subscription_id
)
