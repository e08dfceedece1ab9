-- Plans API: removes the subscription rows it is about to write back changed, in the same transaction
-- as subscriptions_insert_new_rows, which inserts the staged versions.
DELETE FROM llm_subscriptions
WHERE subscription_id IN (SELECT subscription_id FROM _staging_llm_subscriptions)
