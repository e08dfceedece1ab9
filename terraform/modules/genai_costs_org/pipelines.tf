# Operations: the pipelines function (manual runs, backfills, the run ledger) and the operators who
# may use it and the organization's Cloud Scheduler jobs (`genai-costs schedules`).
#
# The pipelines function's own identity reads the run ledger (one table) and publishes to this
# organization's flow topics; it writes nothing, reads no secret. A run it triggers is executed by
# the flow's function with that function's identity, exactly like a scheduled run.

# Publishes the scheduler's message (or one per month of a backfill) to this org's flow topics only.
resource "google_pubsub_topic_iam_member" "pipelines_publisher" {
  for_each = google_pubsub_topic.flow
  project  = var.project_id
  topic    = each.value.name
  role     = "roles/pubsub.publisher"
  member   = google_service_account.fn["pipelines"].member
}

# GET /pipelines/runs/{org}: read access to the ledger table only (the query job runs under the
# bigquery.jobUser every function holds on the project).
resource "google_bigquery_table_iam_member" "pipelines_ledger_reader" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  table_id   = google_bigquery_table.org["genai_ingestion_runs"].table_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.fn["pipelines"].member
}

# Only the named operators may call the pipelines function; there is no public invoker.
resource "google_cloud_run_v2_service_iam_member" "pipelines_invoker" {
  for_each = toset(var.operators)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["pipelines"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.key
}

# `genai-costs schedules list | run | pause | resume`: exactly these permissions. Cloud Scheduler
# has no per-job IAM, so the role applies to the jobs of the whole project (every organization
# deployed in it); running a job needs no Pub/Sub right (the job publishes as the scheduler identity).
resource "google_project_iam_custom_role" "schedules_operator" {
  count       = length(var.operators) > 0 ? 1 : 0
  project     = var.project_id
  role_id     = "${replace(local.name, "-", "_")}_schedules"
  title       = "GenAI costs schedules operator (${var.org.slug})"
  description = "List, run now, pause and resume the Cloud Scheduler jobs of genai-costs (genai-costs schedules)."
  permissions = local.schedules_operator_permissions
}

resource "google_project_iam_member" "schedules_operator" {
  for_each = toset(var.operators)
  project  = var.project_id
  role     = google_project_iam_custom_role.schedules_operator[0].name
  member   = each.key
}
