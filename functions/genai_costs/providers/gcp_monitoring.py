"""Cloud Monitoring v3 REST (``projects.timeSeries.list``) shared by Vertex AI and the Gemini API.

Auth: by default the runtime's own identity (Application Default Credentials: in Cloud Functions
the function's service account, which Terraform grants roles/monitoring.viewer on the named project),
so no service-account key is needed; new Google Cloud organizations forbid creating keys. Options:
a key in ``service_account_info`` (google-auth, scope ``monitoring.read``), or a static
``access_token`` (the local simulator accepts one; a real token expires after ~1 h). Tokens are
refreshed before expiry.

Requests: ``GET {monitoring_base_url}/v3/projects/{project}/timeSeries`` with ``filter``,
``interval.startTime`` / ``interval.endTime`` (RFC 3339), ``aggregation.alignmentPeriod=3600s``,
``aggregation.perSeriesAligner=ALIGN_SUM`` (the token metrics are DELTA), optional
``aggregation.crossSeriesReducer=REDUCE_SUM`` + repeated ``aggregation.groupByFields``,
``view=FULL``, ``pageToken``. ``int64Value`` arrives as a JSON string and is accepted as such.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import Field, SecretStr

from genai_costs.errors import ProviderAuthError
from genai_costs.providers.base import CredentialsModel, ResponseModel, parse_rfc3339, rfc3339
from genai_costs.providers.http import ProviderHttp, RetryPolicy, paginate

if TYPE_CHECKING:  # google-auth is imported when a token is first needed
    from google.auth.credentials import Credentials as GoogleCredentials

MONITORING_READ_SCOPE = "https://www.googleapis.com/auth/monitoring.read"
BIGQUERY_SCOPE = "https://www.googleapis.com/auth/bigquery"


class GcpCredentials(CredentialsModel):
    project_id: str
    billing_export_table: str | None = None
    # Neither set = the runtime's own identity (Application Default Credentials), the default.
    service_account_info: dict[str, Any] | None = Field(default=None, repr=False)  # a key file: secret
    access_token: SecretStr | None = None
    monitoring_base_url: str = "https://monitoring.googleapis.com"
    bigquery_api_endpoint: str | None = None
    # Vertex AI API base for the commitment/GPU flows ("{location}" is filled in); one secret, both flows.
    aiplatform_base_url: str = "https://{location}-aiplatform.googleapis.com"


# -- response models (Monitoring v3 JSON names) ------------------------------------------------
class TypedValue(ResponseModel):
    int64Value: int | None = None  # JSON string in the API
    doubleValue: float | None = None

    def as_int(self) -> int:
        if self.int64Value is not None:
            return self.int64Value
        if self.doubleValue is not None:
            return round(self.doubleValue)
        return 0


class TimeInterval(ResponseModel):
    startTime: str | None = None
    endTime: str


class Point(ResponseModel):
    interval: TimeInterval
    value: TypedValue


class MetricLabels(ResponseModel):
    type: str | None = None
    labels: dict[str, str] = {}


class TimeSeries(ResponseModel):
    metric: MetricLabels = MetricLabels()
    resource: MetricLabels = MetricLabels()
    metricKind: str | None = None
    valueType: str | None = None
    points: list[Point] = []


class TimeSeriesPage(ResponseModel):
    timeSeries: list[TimeSeries] = []
    nextPageToken: str | None = None


def point_start(point: Point, period_seconds: int) -> datetime:
    """Start of the aligned bucket a point covers."""
    end = parse_rfc3339(point.interval.endTime)
    if point.interval.startTime:
        start = parse_rfc3339(point.interval.startTime)
        if start < end:
            return start
    return end - timedelta(seconds=period_seconds)


class GcpTokenSource:
    """Bearer tokens for Google APIs; never logs or returns them in messages."""

    def __init__(self, credentials: GcpCredentials, *, provider: str, secret_name: str, scopes: Sequence[str]) -> None:
        self._creds = credentials
        self._provider = provider
        self._secret_name = secret_name
        self._scopes = list(scopes)
        self._sa: GoogleCredentials | None = None
        self._lock = threading.Lock()
        self.runtime_project: str | None = None  # the ADC project, once the runtime identity is used

    @property
    def uses_runtime_identity(self) -> bool:
        return self._creds.access_token is None and self._creds.service_account_info is None

    def google_credentials(self) -> GoogleCredentials:
        """google-auth credentials object (for the BigQuery client)."""
        if self._creds.access_token is not None:
            from google.oauth2.credentials import Credentials

            return Credentials(token=self._creds.access_token.get_secret_value())
        if self._creds.service_account_info is None:
            return self._runtime_credentials()
        from google.oauth2 import service_account

        try:
            key: service_account.Credentials = service_account.Credentials.from_service_account_info(
                self._creds.service_account_info, scopes=self._scopes
            )
        except (ValueError, KeyError) as exc:
            raise ProviderAuthError(
                f"{self._provider}: service_account_info in secret '{self._secret_name}' is not a usable key "
                f"({type(exc).__name__})",
                provider=self._provider,
            ) from None
        return key

    def _runtime_credentials(self) -> GoogleCredentials:
        import google.auth
        import google.auth.exceptions

        try:
            credentials, self.runtime_project = google.auth.default(scopes=self._scopes)
        except google.auth.exceptions.DefaultCredentialsError:
            raise ProviderAuthError(
                f"{self._provider}: secret '{self._secret_name}' has no service_account_info or access_token, and "
                "no Application Default Credentials were found for the function's own identity",
                provider=self._provider,
            ) from None
        return credentials

    def token(self) -> str:
        if self._creds.access_token is not None:
            return self._creds.access_token.get_secret_value()
        with self._lock:
            if self._sa is None:
                self._sa = self.google_credentials()
            sa = self._sa
            if not sa.valid:
                import google.auth.exceptions
                import google.auth.transport.requests

                try:
                    sa.refresh(google.auth.transport.requests.Request())
                except google.auth.exceptions.RefreshError:
                    whose = (
                        "the function's own identity (Application Default Credentials); check its IAM roles"
                        if self.uses_runtime_identity
                        else f"the service account in secret '{self._secret_name}'; check or rotate that secret"
                    )
                    raise ProviderAuthError(
                        f"{self._provider}: could not obtain a token with {whose}", provider=self._provider
                    ) from None
            token = sa.token
            if not isinstance(token, str):
                raise ProviderAuthError(
                    f"{self._provider}: the service account in secret '{self._secret_name}' yielded no token",
                    provider=self._provider,
                )
            return token


class MonitoringClient:
    def __init__(
        self,
        credentials: GcpCredentials,
        *,
        provider: str,
        secret_name: str,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = 1000,
    ) -> None:
        self.credentials = credentials
        self.base_url = credentials.monitoring_base_url.rstrip("/")
        self.tokens = GcpTokenSource(
            credentials, provider=provider, secret_name=secret_name, scopes=[MONITORING_READ_SCOPE]
        )
        self.http = ProviderHttp(
            provider, secret_name, client=http, policy=retry, sleep=sleep, secrets=[credentials.access_token]
        )
        self.page_size = page_size
        self.provider = provider

    def _headers(self) -> dict[str, str]:
        token = self.tokens.token()
        self.http.add_secrets(token)
        return {"Authorization": f"Bearer {token}"}

    def list_time_series(
        self,
        *,
        metric_filter: str,
        start: datetime,
        end: datetime,
        period_seconds: int = 3600,
        group_by_fields: Sequence[str] = (),
    ) -> Iterator[TimeSeries]:
        url = f"{self.base_url}/v3/projects/{self.credentials.project_id}/timeSeries"
        params: dict[str, Any] = {
            "filter": metric_filter,
            "interval.startTime": rfc3339(start),
            "interval.endTime": rfc3339(end),
            "aggregation.alignmentPeriod": f"{period_seconds}s",
            "aggregation.perSeriesAligner": "ALIGN_SUM",
            "view": "FULL",
            "pageSize": self.page_size,
        }
        if group_by_fields:
            params["aggregation.crossSeriesReducer"] = "REDUCE_SUM"
            params["aggregation.groupByFields"] = list(group_by_fields)

        def fetch(cursor: str | None) -> TimeSeriesPage:
            p = dict(params)
            if cursor:
                p["pageToken"] = cursor
            return self.http.get(url, TimeSeriesPage, params=p, headers=self._headers)

        for page in paginate(
            fetch, lambda pg: pg.nextPageToken, provider=self.provider, max_pages=self.http.policy.max_pages
        ):
            yield from page.timeSeries

    def close(self) -> None:
        self.http.close()


def label(series: TimeSeries, field: str) -> str | None:
    """``metric.label.x`` / ``resource.label.x`` -> the value in this series, if any."""
    scope, _, name = field.split(".", 2)
    source = series.metric.labels if scope == "metric" else series.resource.labels
    return source.get(name)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
