# One service account per function (Fabric's cloud-function-v2 convention), plus the
# organization's Pub/Sub push and scheduler identities. Each holds only what it needs:
#
# - every function but record_usage (local.warehouse_functions): bigquery.jobUser on this project (a
#   job is not a dataset resource, and jobUser grants no data);
# - every function that writes (local.dataset_editors): bigquery.dataEditor on this organization's
#   dataset only. They write the run ledger (all), raw windows (ingestion), consolidated tables
#   (consolidation), views and catalog rows (onboarding); writers stage rows in a short-lived table
#   inside the dataset, and creating a table is a dataset-level permission;
# - pipelines: bigquery.dataViewer on the run ledger table only, and pubsub.publisher on this
#   organization's flow topics (pipelines.tf);
# - record_usage: pubsub.publisher on the usage-events topic, nothing else (usage_events.tf): the
#   topic's BigQuery subscription writes the rows, as the Pub/Sub service agent;
# - ingest_payg / ingest_commitment: also their provider secrets (secrets.tf) and read-only roles
#   on the named Google Cloud sources (sources.tf); consolidate, onboard and budgets read no secret;
# - evaluate_budgets: also the alert channel secrets (secrets.tf), publisher on the alerts topic
#   (pubsub.tf) and monitoring.metricWriter on this project (budget spend and utilization metrics);
# - push: the OIDC identity Pub/Sub uses to call this org's functions (run.invoker on each);
# - scheduler: publishes to this org's topics only (topic-level IAM in pubsub.tf).
# main.tf derives the per-function matrix; tests/terraform enforces it.

locals {
  service_accounts = {
    push      = { account_id = "${local.name}-push", display_name = "GenAI costs Pub/Sub push (${var.org.slug})" }
    scheduler = { account_id = "${local.name}-sched", display_name = "GenAI costs scheduler (${var.org.slug})" }
  }
  pubsub_service_agent = "serviceAccount:service-${data.google_project.project.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

data "google_project" "project" {
  project_id = var.project_id
}

resource "google_service_account" "fn" {
  for_each     = local.functions
  project      = var.project_id
  account_id   = "${local.name}-${each.value.account}"
  display_name = "GenAI costs ${each.key} (${var.org.slug})"
  description  = "Runs the ${each.key} function of organization ${var.org.slug}; roles in terraform/modules/genai_costs_org/README.md."

  lifecycle {
    precondition {
      condition     = length("${local.name}-${each.value.account}") <= 30
      error_message = "Service account id ${local.name}-${each.value.account} is longer than 30 characters: shorten var.prefix or the org slug."
    }
  }
}

resource "google_service_account" "org" {
  for_each     = local.service_accounts
  project      = var.project_id
  account_id   = each.value.account_id
  display_name = each.value.display_name

  lifecycle {
    precondition {
      condition     = length(each.value.account_id) <= 30
      error_message = "Service account id ${each.value.account_id} is longer than 30 characters: shorten var.prefix or the org slug."
    }
  }
}

resource "google_bigquery_dataset_iam_member" "data_editor" {
  for_each   = toset(local.dataset_editors)
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.fn[each.key].member
}

resource "google_project_iam_member" "job_user" {
  for_each = toset(local.warehouse_functions)
  project  = var.project_id
  role     = "roles/bigquery.jobUser"
  member   = google_service_account.fn[each.key].member
}

# Pub/Sub signs the OIDC token of push requests as the push service account.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.org["push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Budget spend and utilization as Cloud Monitoring custom metrics, written after each evaluation.
resource "google_project_iam_member" "budget_metrics_writer" {
  project = var.project_id
  role    = "roles/monitoring.metricWriter"
  member  = google_service_account.fn["evaluate_budgets"].member
}
