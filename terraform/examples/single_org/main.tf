# One organization on one project. Build the function archives first (`make package`), then
#   terraform init && terraform apply -var project_id=my-project -var org_slug=acme_corp \
#     -var 'gcp_sources={vertex_ai_project_id="my-vertex-project", gemini_project_id="my-gemini-project",
#           billing_export={project_id="my-billing-project", dataset_id="billing_export"}}'

provider "google" {
  project = var.project_id
  region  = var.region
}

module "acme" {
  source     = "../../modules/genai_costs_org"
  project_id = var.project_id
  region     = var.region
  prefix     = "genai"

  org = {
    slug                 = var.org_slug
    providers            = ["openai", "anthropic", "gemini", "azure_openai", "aws_bedrock", "vertex_ai"]
    commitment_types     = ["azure_ptu", "bedrock_pt", "vertex_gsu"]
    infrastructure_types = ["vertex_gpu"]
  }

  functions = {
    onboard_invokers = var.onboard_invokers
  }

  # The applications that send per-request usage events to record_usage.
  usage_events = {
    invokers = var.usage_event_producers
  }

  # Read with the functions' own identity: no service-account key in any secret.
  gcp_sources = var.gcp_sources

  schedules = {
    payg          = "0 */6 * * *"
    consolidate   = "0 7 * * *"
    trailing_days = 3
  }
}
