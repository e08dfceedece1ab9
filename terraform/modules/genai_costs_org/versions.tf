# The google provider is pinned to the exact version whose schema is extracted into
# tools/terraform_schema/google_provider_schema.json.gz, so the offline schema checks and
# what `terraform apply` runs agree. Bump both together.
terraform {
  required_version = ">= 1.9.0"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "8.7.0"
    }
  }
}
