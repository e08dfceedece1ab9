# One organization on one project. Build the function archives first (`make package`), then
#   terraform init && terraform apply -var project_id=my-project -var org_slug=acme_corp

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

  schedules = {
    payg          = "0 */6 * * *"
    consolidate   = "0 7 * * *"
    trailing_days = 3
  }
}
