"""Provider-reported money for Vertex AI and the Gemini API from the Cloud Billing BigQuery export.

The SQL lives in ``sql/provider_queries/gcp_billing_export_genai.sql`` (BigQuery dialect, named
parameters ``@start_time`` / ``@end_time`` / ``@service_description``; one query per configured
service name). The export table name is
the only identifier in it: it is validated against ``^[a-z0-9-]+\\.[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$``
and substituted only afterwards, only inside the backquotes of the placeholder. Nothing else is
ever formatted into SQL.

Each result row yields one CostRecord for the gross ``cost`` and, when non-zero, one for the
summed ``credits`` (line item prefixed ``"Credits: "``), so net = sum of both. The export carries
no model column; the SKU description (e.g. "Gemini 1.5 Flash Input Text") is kept in ``line_item``.
Rows keep changing for days (late usage, credits) and there is no "final" flag, so rows dated
within ``estimated_trailing_days`` of today are marked ``is_estimated`` [?: revision window
undocumented; configurable].

Retries: the BigQuery client library's own retry (google.api_core defaults) is kept; final errors are
mapped onto ``genai_costs.errors`` (401/403 -> ProviderAuthError naming the secret).

Auth: the function's own identity by default (see ``gcp_monitoring``); the query job then runs in
the function's project, and the export dataset needs only ``roles/bigquery.dataViewer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from genai_costs.errors import (
    ConfigurationError,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from genai_costs.model.records import CostRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import ResponseModel
from genai_costs.providers.gcp_monitoring import BIGQUERY_SCOPE, GcpCredentials, GcpTokenSource

if TYPE_CHECKING:  # the BigQuery client library is imported when first used
    from google.cloud import bigquery

TABLE_RE = re.compile(r"^[a-z0-9-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")
PLACEHOLDER = "__BILLING_EXPORT_TABLE__"
SQL_FILE = "gcp_billing_export_genai.sql"


def sql_path(file: str = SQL_FILE) -> Path:
    """``<sql root>/provider_queries/...``; the sql root is resolved by ``genai_costs.paths``."""
    from genai_costs.paths import sql_root

    return sql_root() / "provider_queries" / file


def validate_table(table: str) -> str:
    if not TABLE_RE.fullmatch(table or ""):
        raise ConfigurationError(
            "billing_export_table must look like project-id.dataset.table (letters, digits, _ and -)"
        )
    return table


def render_sql(table: str, file: str = SQL_FILE) -> str:
    text = sql_path(file).read_text(encoding="utf-8")
    quoted = f"`{PLACEHOLDER}`"
    if text.count(quoted) != 1:
        raise ConfigurationError(f"{file} must contain the backquoted placeholder exactly once")
    # Only after validation, only as a backquoted identifier.
    return text.replace(quoted, f"`{validate_table(table)}`")


class BillingRow(ResponseModel):
    usage_date: date
    project_id: str | None = None
    service_description: str | None = None
    sku_id: str | None = None
    sku_description: str | None = None
    region: str | None = None
    currency: str
    cost: Decimal
    credits: Decimal = Decimal(0)


class GcpBillingExport:
    def __init__(
        self,
        credentials: GcpCredentials,
        *,
        provider: str,
        secret_name: str,
        service_descriptions: Sequence[str],
        estimated_trailing_days: int = 3,
        client_factory: Callable[[], Any] | None = None,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.credentials = credentials
        self.provider = provider
        self.secret_name = secret_name
        self.service_descriptions = list(service_descriptions)
        self.estimated_trailing_days = estimated_trailing_days
        self._client_factory = client_factory
        self._client: bigquery.Client | None = None
        self.today = today

    def _bq(self) -> bigquery.Client:
        if self._client is None:
            if self._client_factory is not None:
                self._client = self._client_factory()
            else:
                from google.cloud import bigquery

                tokens = GcpTokenSource(
                    self.credentials, provider=self.provider, secret_name=self.secret_name, scopes=[BIGQUERY_SCOPE]
                )
                options = (
                    {"api_endpoint": self.credentials.bigquery_api_endpoint}
                    if self.credentials.bigquery_api_endpoint
                    else None
                )
                credentials = tokens.google_credentials()
                # With the function's own identity the query runs (and is billed) in the function's
                # project, where it already holds bigquery.jobUser; reading the export then needs only
                # bigquery.dataViewer on the export dataset. A key or token keeps the secret's project.
                project = tokens.runtime_project or self.credentials.project_id
                self._client = bigquery.Client(project=project, credentials=credentials, client_options=options)
        return self._client

    def _map(self, exc: Exception) -> Exception:
        from google.api_core import exceptions as gexc
        from google.auth.exceptions import GoogleAuthError

        if isinstance(exc, (gexc.Unauthorized, gexc.Forbidden, GoogleAuthError)):
            return ProviderAuthError(
                f"{self.provider}: BigQuery refused the billing export query ({type(exc).__name__}) for the identity "
                f"of secret '{self.secret_name}' (the function's own when it holds no key): it needs "
                "bigquery.dataViewer on the export dataset and bigquery.jobUser where the query runs",
                provider=self.provider,
            )
        if isinstance(exc, gexc.TooManyRequests):
            return ProviderRateLimitError(
                f"{self.provider}: BigQuery rate limited the billing query", provider=self.provider
            )
        if isinstance(exc, (gexc.ServerError, gexc.RetryError)):
            return ProviderUnavailableError(
                f"{self.provider}: BigQuery unavailable ({type(exc).__name__})", provider=self.provider
            )
        return ProviderError(
            f"{self.provider}: billing export query failed ({type(exc).__name__})", provider=self.provider
        )

    def _rows(self, window: Window, service: str) -> Iterator[BillingRow]:
        from google.cloud.bigquery import QueryJobConfig, ScalarQueryParameter

        config = QueryJobConfig(
            query_parameters=[
                ScalarQueryParameter("start_time", "TIMESTAMP", window.start_dt),
                ScalarQueryParameter("end_time", "TIMESTAMP", window.end_dt),
                ScalarQueryParameter("service_description", "STRING", service),
            ]
        )
        sql = render_sql(self.credentials.billing_export_table or "")
        for row in self._bq().query(sql, job_config=config).result():  # fetched page by page
            try:
                parsed = BillingRow.model_validate(_row_fields(dict(row.items())))
            except PydanticValidationError as exc:
                raise ProviderResponseError(
                    f"{self.provider}: unusable billing export row ({exc.error_count()} problem(s))",
                    provider=self.provider,
                ) from None
            if parsed.service_description in (None, service):
                yield parsed

    def iter_costs(self, window: Window, *, source: str) -> Iterator[CostRecord]:
        if not self.credentials.billing_export_table:
            return  # no export configured: no provider-reported money for this provider
        from google.api_core.exceptions import GoogleAPIError
        from google.auth.exceptions import GoogleAuthError

        # Summed per key client-side as well: a no-op for the query's own daily rows, and correct
        # when an endpoint answers with raw (hourly) export rows. Bounded by distinct keys, not rows.
        # (day, project, SKU description, currency) -> [cost, credits]
        totals: dict[tuple[date, str | None, str | None, str], list[Decimal]] = {}
        try:
            for service in self.service_descriptions:
                for r in self._rows(window, service):
                    # CostRecord has no region/SKU-id column: regions of one SKU are summed so each
                    # (day, project, SKU description, currency) is exactly one record.
                    key = (r.usage_date, r.project_id, r.sku_description, r.currency)
                    acc = totals.setdefault(key, [Decimal(0), Decimal(0)])
                    acc[0] += r.cost
                    acc[1] += r.credits
        except (GoogleAPIError, GoogleAuthError) as exc:
            raise self._map(exc) from None
        cutoff = self.today() - timedelta(days=self.estimated_trailing_days)
        for (day, project_id, sku_description, currency), (cost, credits) in sorted(
            totals.items(), key=lambda kv: tuple(str(k) for k in kv[0])
        ):
            record = partial(
                CostRecord,
                provider=self.provider,
                source=source,
                usage_date=day,
                project_id=project_id,
                currency=currency,
                is_estimated=day >= cutoff,
            )
            yield record(line_item=sku_description, amount=cost)
            if credits != 0:
                yield record(line_item=f"Credits: {sku_description}", amount=credits)


def _money(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, float) else value


def _row_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The query's flat daily row, or a raw export row (``SELECT *`` shape) flattened the same way."""
    if "usage_date" in row or "usage_start_time" not in row:
        return {**row, "cost": _money(row.get("cost")), "credits": _money(row.get("credits") or 0)}
    start = row["usage_start_time"]
    if isinstance(start, datetime):
        start = start.astimezone(UTC)
    service, sku = row.get("service") or {}, row.get("sku") or {}
    return {
        "usage_date": start.date() if isinstance(start, datetime) else start,
        "project_id": (row.get("project") or {}).get("id"),
        "service_description": service.get("description"),
        "sku_id": sku.get("id"),
        "sku_description": sku.get("description"),
        "region": (row.get("location") or {}).get("region"),
        "currency": row.get("currency"),
        "cost": _money(row.get("cost")),
        "credits": sum((_money(c.get("amount") or 0) for c in row.get("credits") or []), Decimal(0)),
    }
