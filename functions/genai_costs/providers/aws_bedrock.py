"""Amazon Bedrock: CloudWatch ``AWS/Bedrock`` token metrics and Cost Explorer costs (real boto3 clients).

Retries: botocore's own retry is DISABLED (``retries={"total_max_attempts": 1, "mode": "standard"}``)
and every call goes through our ``Retrier`` so throttling/5xx/timeouts follow the same bounded,
jittered policy (and the same injectable sleep) as the HTTP providers.

Usage: ``GetMetricData`` (NextToken-paginated), ``Period=3600``, ``Stat=Sum``, one query per
(ModelId x metric) for InputTokenCount, OutputTokenCount, CacheReadInputTokenCount,
CacheWriteInputTokenCount and Invocations. ModelIds come from the ``model_ids`` option, or are
discovered with ``ListMetrics`` (which only lists metrics with data in the last ~2 weeks, so set
``model_ids`` for older backfills). Queried day by day so a day's metrics can be merged into one
record per (ModelId, hour) without holding the window in memory.

Attributable: per ModelId (model or inference profile ID/ARN) and per region of the credentials.
NOT attributable from metrics: API key / IAM principal / project, batch vs online, service tier,
cache-write TTL (5m vs 1h) - those need model-invocation logs or application inference profiles.

Categories [?: AWS does not document whether InputTokenCount includes cache reads/writes; for the
Converse API ``inputTokens`` excludes them, so by default we treat the metrics as disjoint;
``input_includes_cache=True`` subtracts them instead]:
    InputTokenCount            -> input_uncached_tokens
    CacheReadInputTokenCount   -> input_cached_tokens
    CacheWriteInputTokenCount  -> cache_write_5m_tokens, or 1h via ``cache_write_ttl`` [?: TTL unknown]
    OutputTokenCount           -> output_tokens
    Invocations                -> requests
There is no provider "total" metric: provider_total_tokens = the sum of the token metric values
CloudWatch returned (input + output, plus the cache metrics when disjoint), so the invariant is
trivially true for this source (it still catches negative values).

Costs: ``GetCostAndUsage`` DAILY, UnblendedCost, filter SERVICE in ``cost_services`` (default
``["Amazon Bedrock"]``; third-party models sold through AWS Marketplace bill under their own
service names, e.g. "Claude 3.5 Sonnet (Amazon Bedrock Edition)" [S] - add them there), grouped by
USAGE_TYPE, paginated with NextPageToken ($0.01 per page). ``Estimated`` -> ``is_estimated``.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from botocore.parsers import ResponseParserError
from pydantic import Field, SecretStr
from pydantic import ValidationError as PydanticValidationError

from genai_costs.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from genai_costs.model.records import CostRecord, UsageRecord
from genai_costs.model.window import Window
from genai_costs.providers.base import (
    CredentialsModel,
    OptionsModel,
    ProviderClientBase,
    ResponseModel,
    day_windows,
)
from genai_costs.providers.http import Retrier, RetryPolicy, excerpt, paginate

if TYPE_CHECKING:  # stubs from the dev extras; the deployed function never imports them
    from types_boto3_ce.client import CostExplorerClient
    from types_boto3_cloudwatch.client import CloudWatchClient
    from types_boto3_cloudwatch.type_defs import MetricDataQueryTypeDef

M = TypeVar("M", bound=ResponseModel)
PROVIDER = "aws_bedrock"
NAMESPACE = "AWS/Bedrock"
METRICS = {
    "in": "InputTokenCount",
    "out": "OutputTokenCount",
    "cr": "CacheReadInputTokenCount",
    "cw": "CacheWriteInputTokenCount",
    "inv": "Invocations",
}
MAX_QUERIES_PER_CALL = 500

THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "SlowDown",
        "RequestThrottled",
    }
)
AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "IncompleteSignature",
        "UnauthorizedOperation",
        "InvalidAccessKeyId",
    }
)


class AwsCredentials(CredentialsModel):
    aws_access_key_id: str
    aws_secret_access_key: SecretStr
    aws_session_token: SecretStr | None = None
    region: str = "us-east-1"
    cloudwatch_endpoint_url: str | None = None
    ce_endpoint_url: str | None = None
    bedrock_endpoint_url: str | None = None  # the commitment flow's control plane; one secret, both flows
    logs_endpoint_url: str | None = None  # CloudWatch Logs, for the invocation logs (simulator, VPC endpoint)
    invocation_log_group: str | None = None  # where Bedrock model invocation logging writes; unset: not read


class AwsOptions(OptionsModel):
    model_ids: tuple[str, ...] | None = None  # None: discover with ListMetrics
    input_includes_cache: bool = False  # [?] see module docstring
    cache_write_ttl: Literal["5m", "1h"] = "5m"  # [?] TTL is not visible in the metrics
    cost_services: tuple[str, ...] = ("Amazon Bedrock",)
    cost_metric: str = "UnblendedCost"
    cost_group_by: str = "USAGE_TYPE"
    ce_region: str = "us-east-1"  # Cost Explorer's endpoint lives in us-east-1
    connect_timeout: float = Field(default=10, gt=0)
    read_timeout: float = Field(default=60, gt=0)


def _reject_undecodable_json(response_dict: dict[str, Any], **_: Any) -> None:
    """botocore reads a JSON body it cannot decode as ``{"message": body}``, so a truncated page
    would parse as a page without data (CloudWatch is JSON from botocore 1.43, Cost Explorer and
    Bedrock always were). Raise the parser error instead, which ``_call`` retries."""
    content_type = response_dict["headers"].get("content-type", "")
    body = response_dict["body"]
    if response_dict["status_code"] < 300 and "json" in content_type and isinstance(body, bytes) and body:
        try:
            json.loads(body)
        except ValueError:
            raise ResponseParserError("undecodable JSON response body") from None


# -- response models (botocore output shapes) ---------------------------------------------------
class MetricDataResult(ResponseModel):
    Id: str
    Label: str | None = None
    Timestamps: list[datetime] = []
    Values: list[float] = []
    StatusCode: str | None = None


class MetricDataPage(ResponseModel):
    MetricDataResults: list[MetricDataResult] = []
    NextToken: str | None = None


class Dimension(ResponseModel):
    Name: str
    Value: str


class Metric(ResponseModel):
    Namespace: str | None = None
    MetricName: str | None = None
    Dimensions: list[Dimension] = []


class ListMetricsPage(ResponseModel):
    Metrics: list[Metric] = []
    NextToken: str | None = None


class MetricValue(ResponseModel):
    Amount: Decimal  # a string in the API
    Unit: str


class Group(ResponseModel):
    Keys: list[str] = []
    Metrics: dict[str, MetricValue] = {}


class TimePeriod(ResponseModel):
    Start: str
    End: str


class ResultByTime(ResponseModel):
    TimePeriod: TimePeriod
    Total: dict[str, MetricValue] = {}
    Groups: list[Group] = []
    Estimated: bool = False


class CostPage(ResponseModel):
    ResultsByTime: list[ResultByTime] = []
    NextPageToken: str | None = None


def usage_type_token_type(usage_type: str) -> str | None:
    """Heuristic from the CUR usage-type suffixes [D AWS-CUR-BR]; None when unrecognized."""
    u = usage_type.lower()
    if u.endswith("cache-read-input-token-count"):
        return "cache_read"
    if u.endswith("cache-write-input-token-count"):
        return "cache_write"
    if "input-tokens" in u:
        return "input"
    if "output-tokens" in u:
        return "output"
    return None


def _count(value: float) -> int:
    return int(value) if float(value).is_integer() else round(value)


class AwsBedrockClient(ProviderClientBase[AwsCredentials, AwsOptions]):
    provider = PROVIDER
    credentials_model = AwsCredentials
    options_model = AwsOptions

    def __init__(
        self,
        credentials: AwsCredentials,
        *,
        secret_name: str,
        options: AwsOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **_: Any,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.retrier = Retrier(PROVIDER, retry, sleep=sleep)
        self._secrets = [credentials.aws_secret_access_key.get_secret_value()]
        if credentials.aws_session_token:
            self._secrets.append(credentials.aws_session_token.get_secret_value())
        self._cloudwatch: CloudWatchClient | None = None
        self._ce: CostExplorerClient | None = None

    # -- boto3 clients (created lazily, never at import) ----------------------------------------
    def _session(self) -> boto3.session.Session:
        c = self.credentials
        session = boto3.session.Session(
            aws_access_key_id=c.aws_access_key_id,
            aws_secret_access_key=c.aws_secret_access_key.get_secret_value(),
            aws_session_token=c.aws_session_token.get_secret_value() if c.aws_session_token else None,
        )
        session.events.register("before-parse", _reject_undecodable_json)  # every client made from it
        return session

    def _config(self) -> Config:
        return Config(
            retries={"total_max_attempts": 1, "mode": "standard"},  # ours, not botocore's
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
        )

    @property
    def cloudwatch(self) -> CloudWatchClient:
        if self._cloudwatch is None:
            self._cloudwatch = self._session().client(
                "cloudwatch",
                region_name=self.credentials.region,
                endpoint_url=self.credentials.cloudwatch_endpoint_url,
                config=self._config(),
            )
        return self._cloudwatch

    @property
    def ce(self) -> CostExplorerClient:
        if self._ce is None:
            self._ce = self._session().client(
                "ce",
                region_name=self.options.ce_region,
                endpoint_url=self.credentials.ce_endpoint_url,
                config=self._config(),
            )
        return self._ce

    # -- one call with our retry policy and error mapping ----------------------------------------
    def _call(self, what: str, fn: Callable[[], Mapping[str, Any]], model: type[M]) -> M:
        def once() -> M:
            try:
                raw = fn()
            except ClientError as exc:
                raise self._map_client_error(exc, what) from None
            except (NoCredentialsError, PartialCredentialsError):
                raise self._auth(what, "credentials missing or incomplete") from None
            except (BotoConnectionError, HTTPClientError) as exc:
                raise ProviderUnavailableError(f"{PROVIDER}: {what}: {type(exc).__name__}", provider=PROVIDER) from None
            except BotoCoreError as exc:
                raise ProviderError(f"{PROVIDER}: {what}: {type(exc).__name__}", provider=PROVIDER) from None
            except ResponseParserError:
                # Truncated or malformed XML/JSON: retried like any unusable response. The
                # parser's message embeds the whole body, so it is not passed on.
                raise ProviderResponseError(f"{PROVIDER}: unparseable {what} response", provider=PROVIDER) from None
            try:
                return model.model_validate(raw)
            except PydanticValidationError as exc:
                raise ProviderResponseError(
                    f"{PROVIDER}: unusable {what} response ({exc.error_count()} problem(s))", provider=PROVIDER
                ) from None

        return self.retrier.call(once, what=what)

    def _auth(self, what: str, detail: str) -> ProviderAuthError:
        return ProviderAuthError(
            f"{PROVIDER}: credentials from secret '{self.secret_name}' were rejected on {what} ({detail}); "
            f"check or rotate that secret",
            provider=PROVIDER,
        )

    def _map_client_error(self, exc: ClientError, what: str) -> ProviderError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in AUTH_CODES or status in (401, 403):
            return self._auth(what, code or f"HTTP {status}")
        if code in THROTTLE_CODES or status == 429:
            return ProviderRateLimitError(f"{PROVIDER}: {what} throttled ({code})", provider=PROVIDER)
        if status >= 500 or code in (
            "InternalFailure",
            "InternalError",
            "ServiceUnavailable",
            "ServiceUnavailableException",
        ):
            return ProviderUnavailableError(f"{PROVIDER}: {what} failed ({code or status})", provider=PROVIDER)
        message = excerpt(str(error.get("Message", "")), self._secrets)
        return ProviderError(f"{PROVIDER}: {what} failed ({code}): {message}", provider=PROVIDER)

    # -- usage --------------------------------------------------------------------------------
    def model_ids(self) -> list[str]:
        if self.options.model_ids is not None:
            return list(self.options.model_ids)
        found: set[str] = set()

        def fetch(cursor: str | None) -> ListMetricsPage:
            kw: dict[str, Any] = {"Namespace": NAMESPACE, "MetricName": "InputTokenCount"}
            if cursor:
                kw["NextToken"] = cursor
            return self._call("cloudwatch:ListMetrics", lambda: self.cloudwatch.list_metrics(**kw), ListMetricsPage)

        for page in paginate(fetch, lambda p: p.NextToken, provider=PROVIDER, max_pages=self.retrier.policy.max_pages):
            for metric in page.Metrics:
                if len(metric.Dimensions) == 1 and metric.Dimensions[0].Name == "ModelId":
                    found.add(metric.Dimensions[0].Value)
        return sorted(found)

    def _queries(self, chunk: list[str]) -> tuple[list[MetricDataQueryTypeDef], dict[str, tuple[str, str]]]:
        queries: list[MetricDataQueryTypeDef] = []
        ids: dict[str, tuple[str, str]] = {}
        for i, model_id in enumerate(chunk):
            for key, metric_name in METRICS.items():
                qid = f"m{i}_{key}"
                ids[qid] = (model_id, key)
                queries.append(
                    {
                        "Id": qid,
                        "MetricStat": {
                            "Metric": {
                                "Namespace": NAMESPACE,
                                "MetricName": metric_name,
                                "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                            },
                            "Period": 3600,
                            "Stat": "Sum",
                        },
                        "ReturnData": True,
                    }
                )
        return queries, ids

    def _record(self, model_id: str, ts: datetime, v: dict[str, float]) -> UsageRecord:
        inp, out = _count(v.get("in", 0)), _count(v.get("out", 0))
        read, write = _count(v.get("cr", 0)), _count(v.get("cw", 0))
        if self.options.input_includes_cache:
            uncached, total = inp - read - write, inp + out
        else:
            uncached, total = inp, inp + out + read + write
        ts = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
        return UsageRecord(
            provider=PROVIDER,
            source="aws.cloudwatch",
            bucket_start=ts,
            bucket_width="1h",
            model=model_id,
            region=self.credentials.region,
            # Invocations of a provisioned model (ModelId is its ARN) are paid by the provisioned
            # throughput commitment, not per token: tagged so pricing does not charge them twice.
            service_tier="provisioned" if ":provisioned-model/" in model_id else None,
            input_uncached_tokens=uncached,
            input_cached_tokens=read,
            cache_write_5m_tokens=write if self.options.cache_write_ttl == "5m" else 0,
            cache_write_1h_tokens=write if self.options.cache_write_ttl == "1h" else 0,
            output_tokens=out,
            requests=_count(v["inv"]) if "inv" in v else None,
            provider_total_tokens=total,
        )

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]:
        models = self.model_ids()
        per_call = MAX_QUERIES_PER_CALL // len(METRICS)
        for start, end in day_windows(window):
            for offset in range(0, len(models), per_call):
                queries, ids = self._queries(models[offset : offset + per_call])
                merged: dict[tuple[str, datetime], dict[str, float]] = defaultdict(dict)

                def fetch(
                    cursor: str | None,
                    queries: list[MetricDataQueryTypeDef] = queries,
                    start: datetime = start,
                    end: datetime = end,
                ) -> MetricDataPage:
                    kw: dict[str, Any] = {
                        "MetricDataQueries": queries,
                        "StartTime": start,
                        "EndTime": end,
                        "ScanBy": "TimestampAscending",
                    }
                    if cursor:
                        kw["NextToken"] = cursor
                    return self._call(
                        "cloudwatch:GetMetricData", lambda: self.cloudwatch.get_metric_data(**kw), MetricDataPage
                    )

                for page in paginate(
                    fetch, lambda p: p.NextToken, provider=PROVIDER, max_pages=self.retrier.policy.max_pages
                ):
                    for res in page.MetricDataResults:
                        if res.StatusCode not in (None, "Complete", "PartialData"):
                            raise ProviderResponseError(
                                f"{PROVIDER}: GetMetricData status {res.StatusCode} for query {res.Id}",
                                provider=PROVIDER,
                            )
                        if res.Id not in ids or len(res.Timestamps) != len(res.Values):
                            raise ProviderResponseError(
                                f"{PROVIDER}: inconsistent GetMetricData result {res.Id}", provider=PROVIDER
                            )
                        model_id, key = ids[res.Id]
                        for ts, value in zip(res.Timestamps, res.Values, strict=False):
                            bucket = merged[(model_id, ts)]
                            bucket[key] = bucket.get(key, 0.0) + value
                for model_id, ts in sorted(merged, key=lambda k: (k[1], k[0])):
                    yield self._record(model_id, ts, merged[(model_id, ts)])

    # -- costs --------------------------------------------------------------------------------
    def iter_costs(self, window: Window) -> Iterator[CostRecord]:
        metric = self.options.cost_metric
        base: dict[str, Any] = {
            "TimePeriod": {"Start": window.start.isoformat(), "End": window.end.isoformat()},
            "Granularity": "DAILY",
            "Metrics": [metric],
            "Filter": {"Dimensions": {"Key": "SERVICE", "Values": list(self.options.cost_services)}},
            "GroupBy": [{"Type": "DIMENSION", "Key": self.options.cost_group_by}],
        }

        def fetch(cursor: str | None) -> CostPage:
            kw = dict(base)
            if cursor:
                kw["NextPageToken"] = cursor
            return self._call("ce:GetCostAndUsage", lambda: self.ce.get_cost_and_usage(**kw), CostPage)

        for page in paginate(
            fetch, lambda p: p.NextPageToken, provider=PROVIDER, max_pages=self.retrier.policy.max_pages
        ):
            for result in page.ResultsByTime:
                day = datetime.fromisoformat(result.TimePeriod.Start[:10]).date()
                for group in result.Groups:
                    value = group.Metrics.get(metric)
                    if value is None:
                        raise ProviderResponseError(f"{PROVIDER}: group without {metric}", provider=PROVIDER)
                    usage_type = group.Keys[0] if group.Keys else None
                    yield CostRecord(
                        provider=PROVIDER,
                        source="aws.cost_explorer",
                        usage_date=day,
                        line_item=usage_type,
                        token_type=usage_type_token_type(usage_type) if usage_type else None,
                        amount=value.Amount,
                        currency=value.Unit,
                        is_estimated=result.Estimated,
                    )

    def close(self) -> None:
        for c in (self._cloudwatch, self._ce):
            if c is not None:
                c.close()
