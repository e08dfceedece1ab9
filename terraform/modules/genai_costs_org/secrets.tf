# Secret containers `genai-{org_slug}-{provider}` for the enabled providers. Terraform never
# creates secret versions: operators add values out of band
# (`gcloud secrets versions add genai-ORG-PROVIDER --data-file=-`), so no credential ever
# reaches a variable, a plan or the state. Access is granted per secret, to the functions that
# read it (local.secret_readers): ingest_payg reads every enabled provider's secret,
# ingest_commitment only those behind the enabled commitment and infrastructure types, and
# consolidate and onboard none.

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

resource "google_secret_manager_secret_iam_member" "reader" {
  for_each  = local.secret_grants
  project   = var.project_id
  secret_id = google_secret_manager_secret.provider[each.value.provider].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.fn[each.value.function].member
}

# Alert channel credentials (Slack webhook URLs, the SendGrid API key, Twilio account SID and auth
# token, webhook URLs and Standard Webhooks signing secrets), one container per id a budget's or
# GENAI_COSTS_ALERT_CHANNELS's channel names; values are added out of band like the provider
# secrets. Only evaluate_budgets, which sends the alerts, may read them.
resource "google_secret_manager_secret" "channel" {
  #checkov:skip=CKV2_GCP_9:Rotation is owned by Slack, SendGrid, Twilio and the webhook receivers; operators add new versions out of band.
  for_each  = toset(var.alerting.channel_containers)
  project   = var.project_id
  secret_id = each.key
  labels    = merge(local.labels, { channel = "alerts" })

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "channel_reader" {
  for_each  = google_secret_manager_secret.channel
  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.fn["evaluate_budgets"].member
}
