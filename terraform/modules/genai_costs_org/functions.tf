# The gen2 functions of one organization, each running as its own service account
# (`account` is the suffix of its id, serviceaccount.tf). The Pub/Sub-fed ones accept only
# internal traffic (Pub/Sub push from the same project is internal) and are invoked by the org's
# push identity; onboarding, the budgets API, the pricing API, the cost queries, pipelines and
# record_usage are authenticated HTTP functions callable only by var.functions.onboard_invokers,
# var.functions.budgets_invokers, var.functions.pricing_invokers, var.functions.costs_invokers
# (costs.tf), var.operators (pipelines.tf) and var.usage_events.invokers (usage_events.tf).

locals {
  functions = {
    budgets           = { entry_point = "budgets", pubsub = false, account = "budapi", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    costs             = { entry_point = "costs", pubsub = false, account = "costs", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    consolidate       = { entry_point = "consolidate", pubsub = true, account = "consol", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    evaluate_budgets  = { entry_point = "evaluate_budgets", pubsub = true, account = "budget", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    ingest_commitment = { entry_point = "ingest_commitment", pubsub = true, account = "commit", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    ingest_payg       = { entry_point = "ingest_payg", pubsub = true, account = "payg", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    onboard           = { entry_point = "onboard", pubsub = false, account = "onboard", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    pipelines         = { entry_point = "pipelines", pubsub = false, account = "pipes", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    pricing_api       = { entry_point = "pricing_api", pubsub = false, account = "pricing", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    sync_prices       = { entry_point = "sync_prices", pubsub = true, account = "prices", max_instances = var.functions.max_instances, timeout_seconds = var.functions.timeout_seconds }
    # Applications call it on their request path's side: many short requests, so its own scale.
    record_usage = { entry_point = "record_usage", pubsub = false, account = "usage", max_instances = var.usage_events.max_instances, timeout_seconds = 60 }
  }
}

resource "google_cloudfunctions2_function" "fn" {
  for_each    = local.functions
  project     = var.project_id
  location    = var.region
  name        = "${local.name}-${replace(each.key, "_", "-")}"
  description = "GenAI costs ${each.key} for organization ${var.org.slug}"
  labels      = merge(local.labels, { function = each.key })

  build_config {
    runtime         = "python312"
    entry_point     = each.value.entry_point
    service_account = var.functions.build_service_account
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.bundle[each.key].name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.fn[each.key].email
    environment_variables          = merge(local.function_env, lookup(local.function_extra_env, each.key, {}))
    ingress_settings               = each.value.pubsub ? "ALLOW_INTERNAL_ONLY" : "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    available_memory               = var.functions.available_memory
    max_instance_count             = each.value.max_instances
    timeout_seconds                = each.value.timeout_seconds
  }
}

# Pub/Sub push (OIDC as the org's push identity) may invoke the Pub/Sub-fed functions.
resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = { for k, v in local.functions : k => v if v.pubsub }
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.org["push"].member
}

# Only the named members may call onboarding; there is no public invoker.
resource "google_cloud_run_v2_service_iam_member" "onboard_invoker" {
  for_each = toset(var.functions.onboard_invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["onboard"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.key
}

# Only the named members (a gateway's identity, FinOps admins) may call the budgets API.
resource "google_cloud_run_v2_service_iam_member" "budgets_invoker" {
  for_each = toset(var.functions.budgets_invokers)
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["budgets"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.key
}

# Only the named members may call the pricing API (custom prices and plans); no public invoker.
resource "google_cloud_run_v2_service_iam_member" "pricing_api_invoker" {
  for_each = { for m in var.functions.pricing_invokers : m => m }
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.fn["pricing_api"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}
