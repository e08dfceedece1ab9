# One topic per flow, each delivered to its function by an explicit push subscription that
# carries the retry policy and the dead-letter policy, plus a dead-letter topic with a pull
# subscription that keeps failed messages for inspection and replay.
#
# Why explicit subscriptions rather than `event_trigger`: the subscription an Eventarc trigger
# creates is managed by Eventarc and cannot be given a dead_letter_policy from Terraform (the
# provider's event_trigger block has no such argument), so a poison message would be retried
# until retention ran out. A push subscription delivers the standard Pub/Sub push envelope,
# which functions-framework turns into the same CloudEvent the target receives from Eventarc.
#
# The infrastructure flow (vertex_gpu) has its own topic and is served by ingest_commitment.

locals {
  flows = {
    budgets        = { function = "evaluate_budgets" }
    payg           = { function = "ingest_payg" }
    commitment     = { function = "ingest_commitment" }
    infrastructure = { function = "ingest_commitment" }
    consolidate    = { function = "consolidate" }
    prices         = { function = "sync_prices" }
  }
}

resource "google_pubsub_topic" "flow" {
  #checkov:skip=CKV_GCP_83:Messages hold only org slugs, provider names and dates (no credentials or usage data); Google-managed encryption.
  for_each                   = local.flows
  project                    = var.project_id
  name                       = "${local.name}-${each.key}"
  labels                     = merge(local.labels, { flow = each.key })
  message_retention_duration = var.pubsub.message_retention_duration
}

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Dead letters are copies of flow messages (org slug, provider, dates); Google-managed encryption.
  for_each = local.flows
  project  = var.project_id
  name     = "${local.name}-${each.key}-dlq"
  labels   = merge(local.labels, { flow = each.key, dead_letter = "true" })
}

# Without a subscription, messages published to the dead-letter topic would be dropped.
resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = local.flows
  project                    = var.project_id
  name                       = "${local.name}-${each.key}-dlq"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  labels                     = merge(local.labels, { flow = each.key, dead_letter = "true" })
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "flow" {
  for_each                   = local.flows
  project                    = var.project_id
  name                       = "${local.name}-${each.key}-push"
  topic                      = google_pubsub_topic.flow[each.key].id
  labels                     = merge(local.labels, { flow = each.key })
  ack_deadline_seconds       = var.pubsub.ack_deadline_seconds
  message_retention_duration = var.pubsub.message_retention_duration

  push_config {
    push_endpoint = google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.org["push"].email
      audience              = google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = var.pubsub.minimum_backoff
    maximum_backoff = var.pubsub.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = var.pubsub.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_cloud_run_v2_service_iam_member.push_invoker,
  ]
}

# Dead-lettering: the Pub/Sub service agent must publish to the dead-letter topic and
# acknowledge on the source subscription. Granted on those exact resources only.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = google_pubsub_topic.dead_letter
  project  = var.project_id
  topic    = each.value.name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = google_pubsub_subscription.flow
  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# The scheduler identity may publish to this organization's flow topics and nothing else.
resource "google_pubsub_topic_iam_member" "scheduler_publisher" {
  for_each = google_pubsub_topic.flow
  project  = var.project_id
  topic    = each.value.name
  role     = "roles/pubsub.publisher"
  member   = google_service_account.org["scheduler"].member
}

# Budget and operational alerts for other systems to subscribe to (a budget's `pubsub` channel
# names this topic). Only evaluate_budgets publishes; subscribers are the operator's to add.
resource "google_pubsub_topic" "alerts" {
  #checkov:skip=CKV_GCP_83:Alerts carry budget names, amounts and model names (no credentials or usage rows); Google-managed encryption.
  project                    = var.project_id
  name                       = "${local.name}-alerts"
  labels                     = merge(local.labels, { flow = "alerts" })
  message_retention_duration = var.pubsub.message_retention_duration
}

resource "google_pubsub_topic_iam_member" "alerts_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.alerts.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.fn["evaluate_budgets"].member
}
