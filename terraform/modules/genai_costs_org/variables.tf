variable "alerting" {
  description = "Budget alerts. `channel_containers`: ids of the Secret Manager secrets holding the alert channel credentials (Slack webhook URL, SendGrid key, Twilio SID and token, webhook URL and signing secret) that budgets and `ops_channels` name; Terraform creates the containers, operators add the values. `ops_channels`: where operational alerts go (unpriced usage, a stale source, a failed run), channel targets as the budgets API takes them. `evaluation_interval_minutes`: the interval `schedules.budgets` runs at (a budget status older than three intervals is reported stale)."
  type = object({
    channel_containers          = optional(list(string), [])
    evaluation_interval_minutes = optional(number, 5)
    ops_channels                = optional(list(map(any)), [])
  })
  default  = {}
  nullable = false
  validation {
    condition     = alltrue([for s in var.alerting.channel_containers : can(regex("^[A-Za-z0-9_-]{1,255}$", s))])
    error_message = "alerting.channel_containers must be Secret Manager ids (letters, digits, _ and -)."
  }
  validation {
    condition     = var.alerting.evaluation_interval_minutes >= 1 && var.alerting.evaluation_interval_minutes <= 1440 && floor(var.alerting.evaluation_interval_minutes) == var.alerting.evaluation_interval_minutes
    error_message = "alerting.evaluation_interval_minutes must be a whole number between 1 and 1440."
  }
}

variable "bigquery" {
  description = "BigQuery dataset settings. The dataset is always named `{org_slug}_prod`; its tables always have deletion protection on. `kms_key_name` enables CMEK on the dataset and its tables."
  type = object({
    kms_key_name = optional(string)
    location     = optional(string, "US")
  })
  default  = {}
  nullable = false
}

variable "functions" {
  description = "Cloud Functions (gen2) settings. `onboard_invokers` are the only members allowed to call the onboarding function (for example `group:finops-admins@example.com`), `pricing_invokers` the only ones allowed to call the pricing API (custom prices and plans), `costs_invokers` the only ones allowed to call the cost queries (report, estimate, reconciliation, recommendations, billing-export uploads). `build_service_account` (`projects/PROJECT/serviceAccounts/EMAIL`) is the identity Cloud Build uses to build the functions; null keeps the project's default build identity."
  type = object({
    available_memory      = optional(string, "512M")
    budgets_invokers      = optional(list(string), [])
    build_service_account = optional(string)
    costs_invokers        = optional(list(string), [])
    max_instances         = optional(number, 3)
    onboard_invokers      = optional(list(string), [])
    pricing_invokers      = optional(list(string), [])
    timeout_seconds       = optional(number, 540)
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.functions.build_service_account == null || can(regex("^projects/[^/]+/serviceAccounts/[^/@]+@[^/]+$", coalesce(var.functions.build_service_account, "-")))
    error_message = "functions.build_service_account must be a service account resource name: projects/PROJECT/serviceAccounts/EMAIL."
  }
  validation {
    condition = alltrue([
      for m in concat(var.functions.onboard_invokers, var.functions.budgets_invokers, var.functions.pricing_invokers, var.functions.costs_invokers) :
      !contains(["allusers", "allauthenticatedusers"], lower(m)) && can(regex("^(user|group|serviceAccount|domain):", m))
    ])
    error_message = "onboard_invokers, budgets_invokers, pricing_invokers and costs_invokers must be IAM members such as user:, group:, serviceAccount: or domain: (never allUsers or allAuthenticatedUsers)."
  }
  validation {
    condition     = var.functions.max_instances >= 1 && var.functions.timeout_seconds >= 60 && var.functions.timeout_seconds <= 3600
    error_message = "max_instances must be >= 1 and timeout_seconds between 60 and 3600."
  }
}

variable "gcp_sources" {
  description = "Google Cloud sources the Vertex AI and Gemini API flows read with the functions' own identity (no key files). `vertex_ai_project_id` / `gemini_project_id`: the `project_id` written in the genai-{slug}-vertex_ai / -gemini secret (Cloud Monitoring metrics; Vertex AI endpoints for vertex_gpu). `billing_export`: the dataset of the Cloud Billing export named in the secrets' `billing_export_table`. Terraform grants read-only roles on exactly these, and only for the enabled flows."
  type = object({
    billing_export = optional(object({
      dataset_id = string
      project_id = string
    }))
    gemini_project_id    = optional(string)
    vertex_ai_project_id = optional(string)
  })
  default  = {}
  nullable = false
  validation {
    condition = alltrue([
      for p in compact([var.gcp_sources.gemini_project_id, var.gcp_sources.vertex_ai_project_id, try(var.gcp_sources.billing_export.project_id, null)]) :
      can(regex("^([a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$", p))
    ])
    error_message = "gcp_sources project ids must be Google Cloud project ids (6-30 lowercase letters, digits or dashes, starting with a letter)."
  }
  validation {
    condition     = var.gcp_sources.billing_export == null || can(regex("^[A-Za-z0-9_]+$", try(var.gcp_sources.billing_export.dataset_id, ""))) && length(try(var.gcp_sources.billing_export.dataset_id, "")) <= 1024
    error_message = "gcp_sources.billing_export.dataset_id must be a BigQuery dataset id (letters, digits and underscores)."
  }
}

variable "operators" {
  description = "IAM members who operate this organization's pipelines, e.g. [\"group:genai-ops@example.com\"]: they may call the pipelines function (manual runs, backfills, the run ledger) and list, run now, pause and resume the Cloud Scheduler jobs (`genai-costs schedules`; a custom role with cloudscheduler.jobs.get/list/pause/resume/run on the project). Empty: nobody may call the pipelines function."
  type        = list(string)
  default     = []
  nullable    = false
  validation {
    condition = alltrue([
      for m in var.operators :
      !contains(["allusers", "allauthenticatedusers"], lower(m)) && can(regex("^(user|group|serviceAccount|domain):", m))
    ])
    error_message = "operators must be IAM members such as user:, group:, serviceAccount: or domain: (never allUsers or allAuthenticatedUsers)."
  }
}

variable "org" {
  description = "The customer organization this instance of the module serves: its slug (dataset `{slug}_prod`, secrets `genai-{slug}-{provider}`) and which providers and flows are enabled."
  type = object({
    commitment_types     = optional(list(string), [])
    infrastructure_types = optional(list(string), [])
    invocation_logs      = optional(list(string), [])
    providers            = list(string)
    slug                 = string
  })
  nullable = false
  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{2,29}$", var.org.slug))
    error_message = "org.slug must match ^[a-z][a-z0-9_]{2,29}$."
  }
  validation {
    condition     = alltrue([for p in var.org.providers : contains(local.catalog.providers, p)])
    error_message = "org.providers must be a subset of the provider catalog's providers (providers.json)."
  }
  validation {
    condition     = alltrue([for c in var.org.commitment_types : contains(local.catalog.commitment_types, c)])
    error_message = "org.commitment_types must be a subset of the provider catalog's commitment types (providers.json)."
  }
  validation {
    condition     = alltrue([for c in var.org.infrastructure_types : contains(local.catalog.infrastructure_types, c)])
    error_message = "org.infrastructure_types must be a subset of the provider catalog's infrastructure types (providers.json)."
  }
  validation {
    condition     = alltrue([for p in var.org.invocation_logs : contains(local.catalog.invocation_log_providers, p) && contains(var.org.providers, p)])
    error_message = "org.invocation_logs lists providers whose per-request invocation logs are read (only aws_bedrock keeps them; set invocation_log_group in its secret); each must also be in org.providers."
  }
  validation {
    condition = alltrue([
      for c in concat(var.org.commitment_types, var.org.infrastructure_types) :
      contains(var.org.providers, lookup(local.commitment_providers, c, c))
    ])
    error_message = "Each commitment and infrastructure type reads its provider's secret, so the provider must be in org.providers: azure_ptu needs azure_openai, bedrock_pt needs aws_bedrock, vertex_gsu and vertex_gpu need vertex_ai."
  }
}

variable "paths" {
  description = "Where the module reads its inputs; null means the repository layout: `<repo>/sql` and `<repo>/dist/functions` (the archives `make package` builds as `<name>.zip`)."
  type = object({
    dist = optional(string)
    sql  = optional(string)
  })
  default  = {}
  nullable = false
}

variable "prefix" {
  description = "Prefix for every resource name (no random suffixes): resources are named `{prefix}-{org slug with dashes}-...`."
  type        = string
  default     = "genai"
  nullable    = false
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,9}$", var.prefix))
    error_message = "prefix must be 1-10 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "project_id" {
  description = "Google Cloud project that hosts this organization's resources."
  type        = string
  nullable    = false
}

variable "pubsub" {
  description = "Pub/Sub delivery settings for the flow subscriptions: retry backoff, delivery attempts before dead-lettering, and how long messages are kept."
  type = object({
    ack_deadline_seconds       = optional(number, 600)
    max_delivery_attempts      = optional(number, 5)
    maximum_backoff            = optional(string, "600s")
    message_retention_duration = optional(string, "604800s")
    minimum_backoff            = optional(string, "30s")
  })
  default  = {}
  nullable = false
  validation {
    condition     = var.pubsub.max_delivery_attempts >= 5 && var.pubsub.max_delivery_attempts <= 100
    error_message = "pubsub.max_delivery_attempts must be between 5 and 100 (Pub/Sub limits)."
  }
  validation {
    condition     = var.pubsub.ack_deadline_seconds >= 10 && var.pubsub.ack_deadline_seconds <= 600
    error_message = "pubsub.ack_deadline_seconds must be between 10 and 600."
  }
}

variable "region" {
  description = "Region for the functions, the source bucket and the scheduler jobs."
  type        = string
  default     = "us-central1"
  nullable    = false
}

variable "schedules" {
  description = "Cron schedules (5 fields, in `time_zone`) per flow (`prices`: the daily price catalog sync), and the trailing window in days that a job without dates re-pulls (providers revise recent days)."
  type = object({
    budgets        = optional(string, "*/5 * * * *")
    commitment     = optional(string, "30 5 * * *")
    consolidate    = optional(string, "0 7 * * *")
    infrastructure = optional(string, "45 5 * * *")
    payg           = optional(string, "0 */6 * * *")
    prices         = optional(string, "15 6 * * *")
    time_zone      = optional(string, "Etc/UTC")
    trailing_days  = optional(number, 3)
  })
  default  = {}
  nullable = false
  validation {
    condition = alltrue([
      for s in [var.schedules.budgets, var.schedules.commitment, var.schedules.consolidate, var.schedules.infrastructure, var.schedules.payg, var.schedules.prices] :
      can(regex("^\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+$", trimspace(s)))
    ])
    error_message = "Each schedule must be a 5-field cron expression (minute hour day-of-month month day-of-week)."
  }
  validation {
    condition     = var.schedules.trailing_days >= 1 && var.schedules.trailing_days <= 31 && floor(var.schedules.trailing_days) == var.schedules.trailing_days
    error_message = "schedules.trailing_days must be a whole number between 1 and 31."
  }
}

variable "usage_events" {
  description = "Per-request usage events (`record_usage`). `invokers` are the only members allowed to call the function: the applications' identities (for example `serviceAccount:tutor@app-prod.iam.gserviceaccount.com`); each caller's identity is the default `source` of its events. `max_instances` caps the function's instances; `max_delivery_attempts` is how often the BigQuery subscription tries a message before moving it to the dead-letter topic; `kms_key_name` enables CMEK on the usage-events topics."
  type = object({
    invokers              = optional(list(string), [])
    kms_key_name          = optional(string)
    max_delivery_attempts = optional(number, 5)
    max_instances         = optional(number, 20)
  })
  default  = {}
  nullable = false
  validation {
    condition = alltrue([
      for m in var.usage_events.invokers :
      !contains(["allusers", "allauthenticatedusers"], lower(m)) && can(regex("^(user|group|serviceAccount|domain):", m))
    ])
    error_message = "usage_events.invokers must be IAM members such as serviceAccount:, user:, group: or domain: (never allUsers or allAuthenticatedUsers)."
  }
  validation {
    condition     = var.usage_events.max_delivery_attempts >= 5 && var.usage_events.max_delivery_attempts <= 100 && var.usage_events.max_instances >= 1
    error_message = "usage_events.max_delivery_attempts must be between 5 and 100 (Pub/Sub limits) and max_instances at least 1."
  }
}
