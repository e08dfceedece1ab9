# Every `sql/procedures/*.sql` becomes a BigQuery procedure in the org dataset. Each file is
#
#   CREATE OR REPLACE PROCEDURE sp_name(p_org_slug STRING, p_start_date DATE, p_end_date DATE)
#   BEGIN
#     ...statements...
#   END;
#
# The routine id and the arguments come from the header; `definition_body` is the BEGIN ... END
# block (what follows the argument list in the DDL, without the final `;`), so the routine is
# the same one `CREATE OR REPLACE PROCEDURE` would create from the file. Tables stay unqualified:
# callers set the job's default dataset to the org dataset.
# tests/terraform/test_crosschecks.py evaluates these very patterns against sql/procedures.

locals {
  procedure_header_pattern   = "(?is)CREATE\\s+OR\\s+REPLACE\\s+PROCEDURE\\s+`?([A-Za-z_][A-Za-z0-9_]*)`?\\s*\\(([^)]*)\\)"
  procedure_body_pattern     = "(?is)PROCEDURE\\s+[^(]+\\([^)]*\\)\\s*(BEGIN\\b.*\\bEND)\\s*;?\\s*$"
  procedure_argument_pattern = "^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s+([A-Za-z][A-Za-z0-9_]*)\\s*$"

  # StandardSqlDataType.typeKind spells a few types differently from their SQL aliases.
  type_kind_aliases = { BOOLEAN = "BOOL", DECIMAL = "NUMERIC", FLOAT = "FLOAT64", INT = "INT64", INTEGER = "INT64" }

  procedure_files = fileset("${local.sql_dir}/procedures", "*.sql")
  procedures = {
    for f in local.procedure_files : trimsuffix(f, ".sql") => {
      header = regex(local.procedure_header_pattern, file("${local.sql_dir}/procedures/${f}"))
      body   = regex(local.procedure_body_pattern, file("${local.sql_dir}/procedures/${f}"))[0]
    }
  }
}

resource "google_bigquery_routine" "procedure" {
  for_each        = local.procedures
  project         = var.project_id
  dataset_id      = google_bigquery_dataset.org.dataset_id
  routine_id      = each.value.header[0]
  routine_type    = "PROCEDURE"
  language        = "SQL"
  description     = "Deployed from sql/procedures/${each.key}.sql"
  definition_body = each.value.body

  dynamic "arguments" {
    for_each = [for a in split(",", each.value.header[1]) : regex(local.procedure_argument_pattern, a) if trimspace(a) != ""]
    content {
      name      = arguments.value[0]
      data_type = jsonencode({ typeKind = lookup(local.type_kind_aliases, upper(arguments.value[1]), upper(arguments.value[1])) })
    }
  }

  lifecycle {
    precondition {
      condition     = each.value.header[0] == each.key
      error_message = "sql/procedures/${each.key}.sql must define a procedure named ${each.key}."
    }
  }
}
