# Secret containers `genai-{org_slug}-{provider}` for the enabled providers. Terraform never
# creates secret versions: operators add values out of band
# (`gcloud secrets versions add genai-ORG-PROVIDER --data-file=-`), so no credential ever
# reaches a variable, a plan or the state. Access is granted per secret, to this org's
# functions service account only.

resource "google_secret_manager_secret" "provider" {
  #checkov:skip=CKV2_GCP_9:Rotation is owned by the provider consoles (OpenAI, Anthropic, Azure, AWS); operators add new versions out of band.
  for_each  = toset(var.org.providers)
  project   = var.project_id
  secret_id = "genai-${var.org.slug}-${each.key}"
  labels    = merge(local.labels, { provider = each.key })

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "functions_accessor" {
  for_each  = google_secret_manager_secret.provider
  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.org["functions"].member
}
