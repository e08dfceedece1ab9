# One identity per organization and role, each holding only what it needs:
# - functions: reads this org's secrets (secret-level IAM in secrets.tf), writes this org's
#   dataset (dataset-level IAM below), runs BigQuery jobs (project-level jobUser: a job is not a
#   dataset resource, and jobUser grants no data access by itself);
# - scheduler: publishes to this org's topics only (topic-level IAM in pubsub.tf);
# - push: the OIDC identity Pub/Sub uses to call this org's functions (run.invoker on each).

locals {
  service_accounts = {
    functions = { account_id = "${local.name}-fn", display_name = "GenAI costs functions (${var.org.slug})" }
    push      = { account_id = "${local.name}-push", display_name = "GenAI costs Pub/Sub push (${var.org.slug})" }
    scheduler = { account_id = "${local.name}-sched", display_name = "GenAI costs scheduler (${var.org.slug})" }
  }
  pubsub_service_agent = "serviceAccount:service-${data.google_project.project.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
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

resource "google_bigquery_dataset_iam_member" "functions_data_editor" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.org["functions"].member
}

resource "google_project_iam_member" "functions_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.org["functions"].member
}

# Pub/Sub signs the OIDC token of push requests as the push service account.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.org["push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}
