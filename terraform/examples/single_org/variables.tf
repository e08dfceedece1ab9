variable "gcp_sources" {
  description = "Projects whose Vertex AI / Gemini API usage is read (the `project_id` of the vertex_ai / gemini secrets) and the Cloud Billing export dataset; see the module's `gcp_sources`."
  type = object({
    billing_export = optional(object({
      dataset_id = string
      project_id = string
    }))
    gemini_project_id    = optional(string)
    vertex_ai_project_id = optional(string)
  })
  default = {}
}

variable "onboard_invokers" {
  description = "IAM members allowed to call the onboarding function, e.g. [\"group:finops-admins@example.com\"]."
  type        = list(string)
  default     = []
}

variable "org_slug" {
  description = "Organization slug; the dataset is `{org_slug}_prod`."
  type        = string
  default     = "acme_corp"
}

variable "project_id" {
  description = "Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "Region for functions, scheduler jobs and the source bucket."
  type        = string
  default     = "us-central1"
}

variable "usage_event_producers" {
  description = "IAM members allowed to send usage events to record_usage, e.g. [\"serviceAccount:tutor@my-app.iam.gserviceaccount.com\"]."
  type        = list(string)
  default     = []
}
