# Function sources: `make package` writes deterministic archives to dist/functions/<name>.zip
# (main.py, requirements.txt, genai_costs/, sql/). Each is uploaded as an object named after
# its content hash, so a changed archive is a new object and redeploys the function, and an
# unchanged one changes nothing (Fabric's bundle-<md5>.zip convention).

resource "google_storage_bucket" "sources" {
  #checkov:skip=CKV_GCP_62:Holds only build inputs that are reproducible from the repository; access logging adds cost without an audit need.
  project                     = var.project_id
  name                        = "${var.project_id}-${local.name}-src"
  location                    = var.region
  labels                      = local.labels
  force_destroy               = false
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 3
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    precondition {
      condition     = length("${var.project_id}-${local.name}-src") <= 63
      error_message = "The source bucket name is longer than 63 characters: shorten var.prefix or the org slug."
    }
  }
}

resource "google_storage_bucket_object" "bundle" {
  for_each = local.functions
  name     = "${each.key}-${filemd5("${local.dist_dir}/${each.key}.zip")}.zip"
  bucket   = google_storage_bucket.sources.name
  source   = "${local.dist_dir}/${each.key}.zip"
}
