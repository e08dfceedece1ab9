# Names, switches and the access matrix shared by every file of the module. This file holds only
# locals and checks computed from variables (no resources, no data sources), so
# tests/terraform/test_access_matrix.py evaluates it with a real `terraform apply` offline.

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

  # Environment of every function: genai_costs.settings (prefix GENAI_COSTS_) and the runtime.
  function_env = {
    GENAI_COSTS_GCP_PROJECT   = var.project_id
    GENAI_COSTS_BQ_LOCATION   = var.bigquery.location
    GENAI_COSTS_ORG_SLUG      = var.org.slug
    GENAI_COSTS_TRAILING_DAYS = tostring(var.schedules.trailing_days)
    # How resources are named (topics "{name}-{flow}") and which sources are enabled: the pipelines
    # function publishes only to this org's topics and refuses manual runs of a disabled source.
    GENAI_COSTS_RESOURCE_PREFIX = local.name
    GENAI_COSTS_ENABLED_SOURCES = jsonencode(sort(concat(var.org.providers, local.commitment_kinds)))
    # record_usage publishes here (usage_events.tf); same project as the function.
    GENAI_COSTS_USAGE_EVENTS_TOPIC = "${local.name}-usage-events"
    # Terraform owns the dataset, tables and procedures: onboarding only verifies them.
    GENAI_COSTS_SCHEMA_OWNER = "terraform"
    # Gen2 functions tag every log entry with the execution id of the request that wrote it.
    LOG_EXECUTION_ID = "true"
  }
  # Only the budget functions read these (a stale status is three evaluation intervals old).
  budget_env = {
    GENAI_COSTS_ALERT_CHANNELS          = jsonencode(var.alerting.ops_channels)
    GENAI_COSTS_BUDGET_INTERVAL_MINUTES = tostring(var.alerting.evaluation_interval_minutes)
  }
  function_extra_env = { budgets = local.budget_env, evaluate_budgets = local.budget_env }

  # What `genai-costs schedules` calls (pipelines.tf grants it to var.operators): ListJobs, GetJob,
  # RunJob, PauseJob, ResumeJob.
  schedules_operator_permissions = [
    "cloudscheduler.jobs.get",
    "cloudscheduler.jobs.list",
    "cloudscheduler.jobs.pause",
    "cloudscheduler.jobs.resume",
    "cloudscheduler.jobs.run",
  ]

  # ---- Scheduled jobs (scheduler.tf): one per enabled provider, commitment type, infrastructure
  # type, plus the consolidation; key = job name suffix. genai_costs.model.schedules is the same
  # definition for `genai-costs serve` (tests/terraform/test_schedules.py keeps them equal).
  scheduler_jobs = merge(
    {
      for p in var.org.providers : "payg-${replace(p, "_", "-")}" => {
        flow     = "payg"
        schedule = var.schedules.payg
        message  = { org_slug = var.org.slug, provider = p }
      }
    },
    {
      for p in var.org.invocation_logs : "invocations-${replace(p, "_", "-")}" => {
        flow     = "payg"
        schedule = var.schedules.payg
        message  = { org_slug = var.org.slug, provider = p, source = "invocation_logs" }
      }
    },
    {
      for c in var.org.commitment_types : "commitment-${replace(c, "_", "-")}" => {
        flow     = "commitment"
        schedule = var.schedules.commitment
        message  = { org_slug = var.org.slug, commitment_type = c }
      }
    },
    {
      for c in var.org.infrastructure_types : "infrastructure-${replace(c, "_", "-")}" => {
        flow     = "infrastructure"
        schedule = var.schedules.infrastructure
        message  = { org_slug = var.org.slug, commitment_type = c }
      }
    },
    {
      budgets = {
        flow     = "budgets"
        schedule = var.schedules.budgets
        message  = { org_slug = var.org.slug }
      }
      consolidate = {
        flow     = "consolidate"
        schedule = var.schedules.consolidate
        message  = { org_slug = var.org.slug }
      }
      sync-prices = {
        flow     = "prices"
        schedule = var.schedules.prices
        message  = { org_slug = var.org.slug }
      }
    },
  )

  # ---- Access matrix: what each function's own service account may read ----------------------
  # The functions that work on the warehouse (every one but record_usage, which only publishes to the
  # usage-events topic, usage_events.tf) hold bigquery.jobUser on this project; the ones that write
  # also hold bigquery.dataEditor on this organization's dataset (serviceaccount.tf). pipelines writes
  # nothing: it reads the run ledger and publishes to the flow topics (pipelines.tf). costs reads the
  # dataset and writes the billing-imports table only (costs.tf).
  # README "Service accounts" explains each role.
  warehouse_functions = ["budgets", "consolidate", "costs", "evaluate_budgets", "ingest_commitment", "ingest_payg", "onboard", "pipelines", "pricing_api", "sync_prices"]
  dataset_editors     = ["budgets", "consolidate", "evaluate_budgets", "ingest_commitment", "ingest_payg", "onboard", "pricing_api", "sync_prices"]

  # The provider whose secret each commitment / infrastructure type reads (one secret, both flows).
  commitment_providers = { azure_ptu = "azure_openai", bedrock_pt = "aws_bedrock", vertex_gpu = "vertex_ai", vertex_gsu = "vertex_ai" }
  commitment_kinds     = concat(var.org.commitment_types, var.org.infrastructure_types)

  # Provider secrets each function reads. Consolidation, onboarding, the pricing functions and the
  # budget functions read none (evaluate_budgets reads the alert channel secrets, secrets.tf).
  secret_readers = {
    budgets           = []
    consolidate       = []
    costs             = []
    evaluate_budgets  = []
    ingest_commitment = sort(distinct([for c in local.commitment_kinds : local.commitment_providers[c]]))
    ingest_payg       = sort(var.org.providers)
    onboard           = []
    pipelines         = []
    pricing_api       = []
    sync_prices       = []
    record_usage      = []
  }
  secret_grants = {
    for g in flatten([
      for fn, providers in local.secret_readers : [for p in providers : { function = fn, provider = p }]
    ]) : "${g.function}/${g.provider}" => g
  }

  # Google Cloud sources read with the functions' own identity (no key files), by enabled provider
  # or commitment type: the read roles on the named project, and whether the billing export is queried.
  google_source_access = {
    gemini     = { function = "ingest_payg", project = "gemini", roles = ["roles/monitoring.viewer"], billing_export = true }
    vertex_ai  = { function = "ingest_payg", project = "vertex_ai", roles = ["roles/monitoring.viewer"], billing_export = true }
    vertex_gpu = { function = "ingest_commitment", project = "vertex_ai", roles = ["roles/aiplatform.viewer", "roles/monitoring.viewer"], billing_export = true }
    vertex_gsu = { function = "ingest_commitment", project = "vertex_ai", roles = ["roles/monitoring.viewer"], billing_export = false }
  }
  google_source_projects = {
    gemini    = var.gcp_sources.gemini_project_id
    vertex_ai = var.gcp_sources.vertex_ai_project_id
  }
  google_sources_enabled = {
    for k, a in local.google_source_access : k => a if contains(concat(var.org.providers, local.commitment_kinds), k)
  }
  # Keyed by function/role/project: a project named for both Vertex AI and Gemini gets each role once.
  source_project_grants = {
    for g in distinct(flatten([
      for a in values(local.google_sources_enabled) : [
        for role in a.roles : { function = a.function, project = local.google_source_projects[a.project], role = role }
      ] if local.google_source_projects[a.project] != null
    ])) : "${g.function}/${g.role}/${g.project}" => g
  }
  billing_export_readers = var.gcp_sources.billing_export == null ? [] : sort(distinct([
    for a in values(local.google_sources_enabled) : a.function if a.billing_export
  ]))
}

# Warnings at plan time (not errors: a secret may still carry a service_account_info key instead).
check "google_sources_named" {
  assert {
    condition = alltrue([
      for a in values(local.google_sources_enabled) : local.google_source_projects[a.project] != null
    ])
    error_message = "Vertex AI or Gemini is enabled but gcp_sources names no project for it: the functions' own identity gets no Cloud Monitoring access there, so the flow fails unless its secret carries a service_account_info key."
  }
  assert {
    condition     = alltrue([for a in values(local.google_sources_enabled) : !a.billing_export]) || var.gcp_sources.billing_export != null
    error_message = "Vertex AI or Gemini is enabled but gcp_sources.billing_export is not set: no provider-reported costs for them (usage is still priced from the catalog)."
  }
}
