output "dataset_id" {
  description = "The organization's BigQuery dataset (`{org_slug}_prod`)."
  value       = google_bigquery_dataset.org.dataset_id
}

output "dead_letter_subscriptions" {
  description = "Pull subscriptions holding dead-lettered messages, by flow."
  value       = { for k, v in google_pubsub_subscription.dead_letter : k => v.name }
}

output "function_uris" {
  description = "Cloud Run URIs of the organization's functions, by function name."
  value       = { for k, v in google_cloudfunctions2_function.fn : k => v.service_config[0].uri }
}

output "routines" {
  description = "BigQuery procedures deployed from sql/procedures, by file name."
  value       = { for k, v in google_bigquery_routine.procedure : k => v.routine_id }
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job names, by job key."
  value       = { for k, v in google_cloud_scheduler_job.flow : k => v.name }
}

output "secret_ids" {
  description = "Secret Manager secret ids (containers only) that operators fill with `gcloud secrets versions add`, by provider."
  value       = { for k, v in google_secret_manager_secret.provider : k => v.secret_id }
}

output "service_accounts" {
  description = "Service account emails of this organization: one per function (by function name), `push` and `scheduler`."
  value = merge(
    { for k, v in google_service_account.fn : k => v.email },
    { for k, v in google_service_account.org : k => v.email },
  )
}

output "tables" {
  description = "BigQuery tables created from sql/tables/*.json."
  value       = sort([for t in google_bigquery_table.org : t.table_id])
}

output "topics" {
  description = "Pub/Sub topic ids by flow; publish a backfill message here."
  value       = { for k, v in google_pubsub_topic.flow : k => v.id }
}

output "usage_events" {
  description = "Per-request usage events: the topic record_usage publishes to, its BigQuery subscription (into genai_usage_events_raw) and the pull subscription holding the messages BigQuery refused."
  value = {
    bigquery_subscription    = google_pubsub_subscription.usage_events_bigquery.name
    dead_letter_subscription = google_pubsub_subscription.usage_events_dead_letter.name
    topic                    = google_pubsub_topic.usage_events.id
  }
}
