"""AWS Bedrock provisioned throughput (model units): capacity and terms from the Bedrock API,
price from llm_subscriptions, utilization ESTIMATED from CloudWatch.

Secret ``genai-{org}-aws_bedrock``: the pay-as-you-go keys (see ``providers.registry``) plus the
optional ``bedrock_endpoint_url`` (boto3 ``bedrock`` client; the simulator serves it at
``{base}/aws/bedrock``). Provisioned throughput is regional: the credentials' ``region`` is listed.
IAM: ``bedrock:ListProvisionedModelThroughputs``, ``cloudwatch:GetMetricData``.

Capacity and terms: ``ListProvisionedModelThroughputs`` (boto3 ``bedrock``, REST ``GET
/provisioned-model-throughputs``, ``nextToken``-paginated): ``modelUnits``, ``creationTime`` (start),
``commitmentDuration`` (``OneMonth`` -> term ``1_month``, ``SixMonths`` -> ``6_months``, absent ->
``no_commitment``) and ``commitmentExpirationTime`` (end; open-ended without a commitment). Only
``InService`` / ``Updating`` throughputs are billed. [?] A provisioned throughput deleted before the
run is no longer listed, so a back-fill cannot see it; one whose commitment expired but that was
kept keeps billing at the no-commitment rate, which this flow does not report (the commitment ends
at ``commitmentExpirationTime``).

Price: no AWS API returns it. The enabled ``llm_subscriptions`` row with
``provider='aws_bedrock'``, ``commitment_type='bedrock_pt'``, ``model_id`` = the foundation model id
(the part after ``foundation-model/`` of ``foundationModelArn``) and region NULL or equal gives
``unit_hourly_price_usd`` (USD per model unit-hour). A provisioned throughput active in the window
without such a row -> ConfigurationError naming the table, the model and the field; nothing written.

Utilization (ESTIMATE, marked in ``source``): CloudWatch ``AWS/Bedrock`` token metrics summed per
hour with ``ModelId`` = the provisioned model ARN (input + output + cache read/write, as the
pay-as-you-go client reads them) / (model units x tokens per model unit-minute x 60 x
active_fraction), capped at 1. AWS publishes no tokens-per-model-unit figure; it comes from the
row's ``tpm_limit`` (read as tokens per minute of ONE model unit), else the
``tokens_per_unit_minute`` option (per model id) or ``default_tokens_per_unit_minute``; without
any, utilization is NULL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from genai_costs.errors import ConfigurationError
from genai_costs.model.commitment_records import CapacityHour, numeric
from genai_costs.model.subscriptions import Subscription
from genai_costs.model.window import Window
from genai_costs.providers.aws_bedrock import AwsBedrockClient, AwsCredentials, AwsOptions
from genai_costs.providers.base import OptionsModel, ProviderClientBase, ResponseModel
from genai_costs.providers.commitments.base import matching, missing, window_hours
from genai_costs.providers.http import RetryPolicy, paginate

if TYPE_CHECKING:  # stubs from the dev extras; the deployed function never imports them
    from types_boto3_bedrock.client import BedrockClient

PROVIDER = "aws_bedrock"
COMMITMENT_TYPE: Final = "bedrock_pt"
TERMS = {"OneMonth": "1_month", "SixMonths": "6_months", None: "no_commitment"}
BILLED_STATUSES = frozenset({"InService", "Updating"})


BedrockPtCredentials = AwsCredentials  # carries bedrock_endpoint_url: one secret serves both flows


class BedrockPtOptions(OptionsModel):
    tokens_per_unit_minute: dict[str, int] = {}  # foundation model id -> tokens per minute of one MU
    default_tokens_per_unit_minute: int | None = None


class _Summary(ResponseModel):
    provisionedModelName: str
    provisionedModelArn: str
    modelArn: str | None = None
    foundationModelArn: str | None = None
    modelUnits: int
    status: str
    commitmentDuration: str | None = None
    commitmentExpirationTime: datetime | None = None
    creationTime: datetime

    @property
    def model_id(self) -> str:
        arn = self.foundationModelArn or self.modelArn or ""
        return arn.split("foundation-model/", 1)[-1] if "foundation-model/" in arn else arn

    @property
    def end(self) -> datetime | None:
        return (
            _utc(self.commitmentExpirationTime) if self.commitmentDuration and self.commitmentExpirationTime else None
        )


class _ListPage(ResponseModel):
    provisionedModelSummaries: list[_Summary] = []
    nextToken: str | None = None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class BedrockPtSource(ProviderClientBase[BedrockPtCredentials, BedrockPtOptions]):
    provider = PROVIDER
    commitment_type = COMMITMENT_TYPE
    credentials_model = BedrockPtCredentials
    options_model = BedrockPtOptions

    def __init__(
        self,
        credentials: BedrockPtCredentials,
        *,
        secret_name: str,
        subscriptions: list[Subscription],
        options: BedrockPtOptions | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime],
        **_: Any,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.subscriptions = [s for s in subscriptions if s.commitment_type == COMMITMENT_TYPE]
        self.retry, self.sleep, self.now = retry, sleep, now
        # The pay-as-you-go client supplies the session, the retry policy and the error mapping.
        self.aws = AwsBedrockClient(
            credentials, secret_name=secret_name, options=AwsOptions(model_ids=()), retry=retry, sleep=sleep
        )
        self._bedrock: BedrockClient | None = None

    @property
    def bedrock(self) -> BedrockClient:
        if self._bedrock is None:
            self._bedrock = self.aws._session().client(
                "bedrock",
                region_name=self.credentials.region,
                endpoint_url=self.credentials.bedrock_endpoint_url,
                config=self.aws._config(),
            )
        return self._bedrock

    def close(self) -> None:
        if self._bedrock is not None:
            self._bedrock.close()
        self.aws.close()

    def provisioned(self) -> list[_Summary]:
        def fetch(cursor: str | None) -> _ListPage:
            kw: dict[str, Any] = {"maxResults": 100}
            if cursor:
                kw["nextToken"] = cursor
            return self.aws._call(
                "bedrock:ListProvisionedModelThroughputs",
                lambda: self.bedrock.list_provisioned_model_throughputs(**kw),
                _ListPage,
            )

        found = []
        for page in paginate(
            fetch, lambda p: p.nextToken, provider=PROVIDER, max_pages=self.aws.retrier.policy.max_pages
        ):
            found += page.provisionedModelSummaries
        return sorted(found, key=lambda s: (_utc(s.creationTime), s.provisionedModelArn))

    def _tokens(self, window: Window, arns: list[str]) -> dict[tuple[str | None, datetime], int]:
        """{(provisioned model ARN, hour): tokens} from CloudWatch."""
        metrics = AwsBedrockClient(
            self.credentials,
            secret_name=self.secret_name,
            options=AwsOptions(model_ids=tuple(arns)),
            retry=self.retry,
            sleep=self.sleep,
        )
        try:
            return {(r.model, r.bucket_start): r.provider_total_tokens for r in metrics.iter_usage(window)}
        finally:
            metrics.close()

    def iter_hours(self, window: Window) -> Iterator[CapacityHour]:
        region = self.credentials.region
        active = [
            s
            for s in self.provisioned()
            if s.status in BILLED_STATUSES
            and _utc(s.creationTime) < window.end_dt
            and (s.end is None or s.end > window.start_dt)
        ]
        if not active:
            return
        plans = []
        for pt in active:  # every price is resolved before anything is fetched or yielded
            rows = matching(self.subscriptions, pt.model_id, region)
            priced = [r for r in rows if r.unit_hourly_price_usd is not None]
            if not priced:
                raise missing(
                    COMMITMENT_TYPE,
                    f"provisioned model '{pt.provisionedModelName}' "
                    f"({pt.provisionedModelArn}, {pt.modelUnits} model units of {pt.model_id}) has no price "
                    + ("(the matching row has unit_hourly_price_usd NULL)" if rows else "(no matching row)"),
                    provider=PROVIDER,
                    model=pt.model_id,
                    fields=("unit_hourly_price_usd",),
                    row=rows[0] if len(rows) == 1 else None,
                )
            if len(priced) > 1:
                raise ConfigurationError(
                    f"{COMMITMENT_TYPE}: {len(priced)} enabled llm_subscriptions rows price model_id '{pt.model_id}' "
                    f"({', '.join(r.subscription_id for r in priced)}); keep one or set their region"
                )
            row = priced[0]
            tpm = (
                row.tpm_limit
                or self.options.tokens_per_unit_minute.get(pt.model_id)
                or self.options.default_tokens_per_unit_minute
            )
            plans.append((pt, row, tpm))
        tokens = self._tokens(window, [pt.provisionedModelArn for pt, _, tpm in plans if tpm])
        now = self.now()
        for pt, row, tpm in plans:
            start, end = _utc(pt.creationTime), pt.end
            for hour, fraction in window_hours(window, start, end, now):
                utilization = None
                if tpm:
                    capacity = Decimal(pt.modelUnits * tpm * 60) * fraction
                    used = Decimal(tokens.get((pt.provisionedModelArn, hour), 0))
                    utilization = numeric(min(Decimal(1), used / capacity))
                yield CapacityHour(
                    provider=PROVIDER,
                    source="aws.bedrock+aws.cloudwatch.estimate",
                    hour_start=hour,
                    region=region,
                    model=pt.model_id,
                    commitment_type=COMMITMENT_TYPE,
                    commitment_id=pt.provisionedModelArn,
                    commitment_name=pt.provisionedModelName,
                    active_fraction=fraction,
                    provisioned_units=Decimal(pt.modelUnits),
                    capacity_unit="Model Units",
                    utilization=utilization,
                    hourly_unit_price_usd=row.unit_hourly_price_usd,
                    price_source="llm_subscriptions",
                    term=TERMS.get(pt.commitmentDuration, pt.commitmentDuration),
                    commitment_start=start,
                    commitment_end=end,
                    terms_source="provider_api",
                )


from_secret = BedrockPtSource.from_secret
