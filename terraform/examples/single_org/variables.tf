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
