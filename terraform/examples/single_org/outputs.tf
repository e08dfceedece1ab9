output "dataset_id" {
  description = "BigQuery dataset of the organization."
  value       = module.acme.dataset_id
}

output "secret_ids" {
  description = "Secret containers to fill with `gcloud secrets versions add`."
  value       = module.acme.secret_ids
}

output "topics" {
  description = "Pub/Sub topics by flow, for a first backfill with `gcloud pubsub topics publish`."
  value       = module.acme.topics
}
