# The cost queries (functions/costs): the cost report, estimates, the reconciliation summary and savings
# recommendations, read from this organization's dataset, and uploads of billing export CSVs.
#
# Its identity reads the organization's dataset (bigquery.dataViewer; queries run under the
# bigquery.jobUser every warehouse function holds, serviceaccount.tf) and writes one table, the raw
# billing imports (bigquery.dataEditor on that table only: an upload is one load job appending to it).
# It creates no table and reads no secret.

resource "google_bigquery_dataset_iam_member" "costs_reader" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.fn["costs"].member
}

resource "google_bigquery_table_iam_member" "costs_billing_imports_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.org.dataset_id
  table_id   = google_bigquery_table.org["genai_billing_imports_raw"].table_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.fn["costs"].member
}

# Only the named members (FinOps, a gateway's identity) may call the cost queries; no public invoker.
resource "google_cloud_run_v2_service_iam_member" "costs_invoker" {
  for_each = toset(var.functions.costs_invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["costs"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.key
}
