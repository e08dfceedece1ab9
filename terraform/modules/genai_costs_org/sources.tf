# Read-only access on the Google Cloud sources of the Vertex AI and Gemini API flows, so the
# functions read them with their own identity (Application Default Credentials) and no
# service-account key is ever created. Granted only for enabled flows and only on what
# var.gcp_sources names (main.tf derives the grants):
#
# - Cloud Monitoring token metrics: roles/monitoring.viewer on the Vertex AI / Gemini project;
# - Vertex AI endpoints (GPU machine specs, vertex_gpu): roles/aiplatform.viewer on the Vertex AI project;
# - the Cloud Billing export: roles/bigquery.dataViewer on the export dataset only. The queries run
#   as jobs in this project, where every function already holds bigquery.jobUser.

resource "google_project_iam_member" "source_reader" {
  for_each = local.source_project_grants
  project  = each.value.project
  role     = each.value.role
  member   = google_service_account.fn[each.value.function].member
}

resource "google_bigquery_dataset_iam_member" "billing_export_reader" {
  for_each   = toset(local.billing_export_readers)
  project    = var.gcp_sources.billing_export.project_id
  dataset_id = var.gcp_sources.billing_export.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.fn[each.key].member
}
