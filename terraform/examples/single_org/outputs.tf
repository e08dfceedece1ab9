output "dataset_id" {
  description = "BigQuery dataset of the organization."
  value       = module.acme.dataset_id
}

output "function_uris" {
  description = "Function URIs by name; `onboard` is the one to call after the apply."
  value       = module.acme.function_uris
}

output "secret_ids" {
  description = "Secret containers to fill with `gcloud secrets versions add`."
  value       = module.acme.secret_ids
}

output "service_accounts" {
  description = "Service account emails: one per function, plus push and scheduler."
  value       = module.acme.service_accounts
}

output "topics" {
  description = "Pub/Sub topics by flow, for a first backfill with `gcloud pubsub topics publish`."
  value       = module.acme.topics
}
