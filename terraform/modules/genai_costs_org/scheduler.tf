# Scheduler jobs: one per enabled provider (payg), commitment type, infrastructure type, the
# daily consolidation, the daily price sync (before consolidation, so a day is priced with the catalog
# as synced that morning) and the budget evaluation (every 5 minutes by default). Jobs carry no dates,
# so each function re-pulls a trailing window
# of var.schedules.trailing_days (passed to the functions as GENAI_COSTS_TRAILING_DAYS).
#
# The jobs themselves (`local.scheduler_jobs`) are computed in main.tf from the variables alone, so
# tests/terraform evaluates them offline and checks them against genai_costs.model.schedules, the
# definition `genai-costs serve` runs on a laptop.
#
# Jobs publish through the Pub/Sub REST API with an OAuth token of the org's scheduler
# service account (instead of a pubsub_target, which would publish as the project-wide Cloud
# Scheduler service agent), so topic-level IAM confines each org's jobs to its own topics.

resource "google_cloud_scheduler_job" "flow" {
  for_each         = local.scheduler_jobs
  project          = var.project_id
  region           = var.region
  name             = "${local.name}-${each.key}"
  description      = "Publishes ${jsonencode(each.value.message)} to ${google_pubsub_topic.flow[each.value.flow].name}"
  schedule         = each.value.schedule
  time_zone        = var.schedules.time_zone
  attempt_deadline = "60s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
    max_backoff_duration = "300s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://pubsub.googleapis.com/v1/${google_pubsub_topic.flow[each.value.flow].id}:publish"
    headers     = { "Content-Type" = "application/json" }
    body = base64encode(jsonencode({
      messages = [{
        data       = base64encode(jsonencode(each.value.message))
        attributes = { org_slug = var.org.slug, flow = each.value.flow }
      }]
    }))

    oauth_token {
      service_account_email = google_service_account.org["scheduler"].email
      scope                 = "https://www.googleapis.com/auth/pubsub"
    }
  }

  depends_on = [google_pubsub_topic_iam_member.scheduler_publisher]
}
