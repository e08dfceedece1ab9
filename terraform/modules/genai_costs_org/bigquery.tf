# The organization's dataset `{org_slug}_prod` and one table per `sql/tables/<table>.json`
# (BigQuery REST Table resources: description, schema.fields, timePartitioning, clustering,
# requirePartitionFilter). New JSON files are picked up by fileset() without editing this file.

locals {
  table_files = fileset("${local.sql_dir}/tables", "*.json")
  tables = {
    for f in local.table_files :
    trimsuffix(f, ".json") => jsondecode(file("${local.sql_dir}/tables/${f}"))
  }
}

resource "google_bigquery_dataset" "org" {
  #checkov:skip=CKV_GCP_81:CMEK is opt-in through var.bigquery.kms_key_name; Google-managed encryption is the default.
  project                    = var.project_id
  dataset_id                 = local.dataset_id
  friendly_name              = "GenAI costs (${var.org.slug})"
  description                = "GenAI usage, costs and FOCUS 1.3 output for organization ${var.org.slug}. Managed by Terraform (genai_costs_org)."
  location                   = var.bigquery.location
  delete_contents_on_destroy = false
  labels                     = local.labels

  dynamic "default_encryption_configuration" {
    for_each = var.bigquery.kms_key_name == null ? [] : [var.bigquery.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

resource "google_bigquery_table" "org" {
  #checkov:skip=CKV_GCP_80:CMEK is inherited from the dataset default when var.bigquery.kms_key_name is set.
  for_each            = local.tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.org.dataset_id
  table_id            = each.key
  description         = try(each.value.description, null)
  deletion_protection = true
  labels              = local.labels
  schema              = jsonencode(each.value.schema.fields)
  clustering          = try(each.value.clustering.fields, null)
  require_partition_filter = try(
    each.value.requirePartitionFilter,
    each.value.timePartitioning.requirePartitionFilter,
    null
  )

  dynamic "time_partitioning" {
    for_each = can(each.value.timePartitioning) ? [each.value.timePartitioning] : []
    content {
      type          = time_partitioning.value.type
      field         = try(time_partitioning.value.field, null)
      expiration_ms = try(tonumber(time_partitioning.value.expirationMs), null)
    }
  }
}
