-- The current version of every budget that is not deleted (genai_budgets keeps every version), with
-- what evaluation matches spend by:
--   scope_shape          which dimensions the scope filters on (T U S W P M J and the tag keys)
--   events_only          only usage events can feed the budget: provider bills carry no tenant,
--                        user, service, workflow or tag
--   match_* / tag_key_*  the scope's values, '' for "any" (spend is aggregated per shape with the
--                        dimensions outside the shape set to '', then equi-joined on these)
CREATE OR REPLACE VIEW genai_budgets_current AS
WITH latest AS (
  SELECT *
  FROM genai_budgets
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY budget_id ORDER BY version DESC) = 1
)
SELECT
  l.*,
  CONCAT(
    IF(l.scope_tenant IS NULL, '-', 'T'), IF(l.scope_user IS NULL, '-', 'U'),
    IF(l.scope_service IS NULL, '-', 'S'), IF(l.scope_workflow IS NULL, '-', 'W'),
    IF(l.scope_provider IS NULL, '-', 'P'), IF(l.scope_model IS NULL, '-', 'M'),
    IF(l.scope_project IS NULL, '-', 'J'),
    '|', IFNULL(l.scope_tags[SAFE_OFFSET(0)].key, ''),
    '|', IFNULL(l.scope_tags[SAFE_OFFSET(1)].key, ''),
    '|', IFNULL(l.scope_tags[SAFE_OFFSET(2)].key, '')
  ) AS scope_shape,
  (
    l.scope_tenant IS NOT NULL OR l.scope_user IS NOT NULL OR l.scope_service IS NOT NULL
    OR l.scope_workflow IS NOT NULL OR ARRAY_LENGTH(l.scope_tags) > 0
  ) AS events_only,
  IFNULL(l.scope_tenant, '') AS match_tenant,
  IFNULL(l.scope_user, '') AS match_user,
  IFNULL(l.scope_service, '') AS match_service,
  IFNULL(l.scope_workflow, '') AS match_workflow,
  IFNULL(l.scope_provider, '') AS match_provider,
  IFNULL(l.scope_model, '') AS match_model,
  IFNULL(l.scope_project, '') AS match_project,
  l.scope_tags[SAFE_OFFSET(0)].key AS tag_key_1,
  l.scope_tags[SAFE_OFFSET(1)].key AS tag_key_2,
  l.scope_tags[SAFE_OFFSET(2)].key AS tag_key_3,
  IFNULL(l.scope_tags[SAFE_OFFSET(0)].value, '') AS match_tag_1,
  IFNULL(l.scope_tags[SAFE_OFFSET(1)].value, '') AS match_tag_2,
  IFNULL(l.scope_tags[SAFE_OFFSET(2)].value, '') AS match_tag_3
FROM latest AS l
WHERE NOT l.deleted
