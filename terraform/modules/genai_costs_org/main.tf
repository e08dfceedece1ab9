# Names and switches shared by every file of the module.

locals {
  # "acme_corp" -> "genai-acme-corp": resource names allow dashes, not underscores.
  name       = "${var.prefix}-${replace(var.org.slug, "_", "-")}"
  dataset_id = "${var.org.slug}_prod"
  repo_root  = abspath("${path.module}/../../..")
  sql_dir    = coalesce(var.paths.sql, "${local.repo_root}/sql")
  dist_dir   = coalesce(var.paths.dist, "${local.repo_root}/dist/functions")

  # Provider, commitment and infrastructure type ids, rendered from the provider catalog
  # (functions/genai_costs/model/provider_catalog.py) by tools/render_catalog.py.
  catalog = jsondecode(file("${path.module}/providers.json"))

  labels = {
    app      = "genai-costs"
    org_slug = var.org.slug
  }

  # Environment read by genai_costs.settings (prefix GENAI_COSTS_) in every function.
  function_env = {
    GENAI_COSTS_GCP_PROJECT   = var.project_id
    GENAI_COSTS_BQ_LOCATION   = var.bigquery.location
    GENAI_COSTS_ORG_SLUG      = var.org.slug
    GENAI_COSTS_TRAILING_DAYS = tostring(var.schedules.trailing_days)
  }
}

data "google_project" "project" {
  project_id = var.project_id
}
