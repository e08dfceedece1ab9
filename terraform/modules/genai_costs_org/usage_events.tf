# Per-request usage events (issue 12). Applications POST batches to the private record_usage function,
# which validates them and publishes one message per request to the usage-events topic. A BigQuery
# subscription appends each message to genai_usage_events_raw as one row (use_table_schema: the
# message's top-level keys are the table's columns; write_metadata: subscription_name, message_id,
# publish_time, attributes). No function is in the write path. Delivery is at least once; the consolidate
# function deduplicates raw rows into genai_usage_events (sp_genai_0_consolidate_usage_events) with the
# roles it already holds on the dataset.
#
# A message BigQuery refuses (a schema mismatch) is retried, then moved to the dead-letter topic, where
# a pull subscription keeps it for inspection and replay. drop_unknown_fields stays off: a field the
# table lacks must fail loudly rather than vanish.

locals {
  usage_events_table = "genai_usage_events_raw"
}

resource "google_pubsub_topic" "usage_events" {
  #checkov:skip=CKV_GCP_83:CMEK is opt-in through var.usage_events.kms_key_name; messages hold token counts and attribution ids, never prompts or credentials.
  project                    = var.project_id
  name                       = "${local.name}-usage-events"
  labels                     = merge(local.labels, { flow = "usage_events" })
  message_retention_duration = var.pubsub.message_retention_duration
  kms_key_name               = var.usage_events.kms_key_name
}

resource "google_pubsub_topic" "usage_events_dead_letter" {
  #checkov:skip=CKV_GCP_83:CMEK is opt-in through var.usage_events.kms_key_name; dead letters are copies of usage-event messages.
  project      = var.project_id
  name         = "${local.name}-usage-events-dlq"
  labels       = merge(local.labels, { flow = "usage_events", dead_letter = "true" })
  kms_key_name = var.usage_events.kms_key_name
}

resource "google_pubsub_subscription" "usage_events_dead_letter" {
  project                    = var.project_id
  name                       = "${local.name}-usage-events-dlq"
  topic                      = google_pubsub_topic.usage_events_dead_letter.id
  labels                     = merge(local.labels, { flow = "usage_events", dead_letter = "true" })
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "usage_events_bigquery" {
  project                    = var.project_id
  name                       = "${local.name}-usage-events-bq"
  topic                      = google_pubsub_topic.usage_events.id
  labels                     = merge(local.labels, { flow = "usage_events" })
  message_retention_duration = var.pubsub.message_retention_duration

  bigquery_config {
    table               = "${var.project_id}.${google_bigquery_dataset.org.dataset_id}.${google_bigquery_table.org[local.usage_events_table].table_id}"
    use_table_schema    = true
    write_metadata      = true
    drop_unknown_fields = false
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.usage_events_dead_letter.id
    max_delivery_attempts = var.usage_events.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_bigquery_table_iam_member.usage_events_writer,
    google_pubsub_topic_iam_member.usage_events_dead_letter_publisher,
  ]
}

# The Pub/Sub service agent writes the rows: bigquery.dataEditor on the raw table only (table-level;
# it includes tables.get, which the subscription checks the schema with).
resource "google_bigquery_table_iam_member" "usage_events_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  table_id   = google_bigquery_table.org[local.usage_events_table].table_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_service_agent
}

# Dead-lettering: the service agent publishes to the dead-letter topic and acknowledges on the
# subscription, on those exact resources.
resource "google_pubsub_topic_iam_member" "usage_events_dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.usage_events_dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "usage_events_dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.usage_events_bigquery.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# record_usage's own identity may publish to the usage-events topic and do nothing else: no dataset,
# no job, no secret.
resource "google_pubsub_topic_iam_member" "record_usage_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.usage_events.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.fn["record_usage"].member
}

# Only the applications named in var.usage_events.invokers may call record_usage.
resource "google_cloud_run_v2_service_iam_member" "record_usage_invoker" {
  for_each = toset(var.usage_events.invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["record_usage"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.key
}
