"""Capacity commitments end to end against the simulator: a month with partial use adds up,
boundary hours are prorated to the second, spillover is counted once (in pay-as-you-go), re-runs
are idempotent and windowed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import boto3
import httpx
import pytest

from genai_costs.ingestion.commitment import ingest_commitment
from genai_costs.model.commitment_records import numeric
from genai_costs.model.messages import CommitmentMessage

from .conftest import MONTH, add_subscription, rows

UTC = UTC
HOUR = timedelta(hours=1)
TABLES = {
    "azure_ptu": "genai_commitment_azure_openai_capacity",
    "bedrock_pt": "genai_commitment_aws_bedrock_capacity",
    "vertex_gsu": "genai_commitment_vertex_ai_capacity",
}
SIM_PROVIDER = {"azure_ptu": "azure", "bedrock_pt": "bedrock", "vertex_gsu": "vertex"}


def configure(wh, ds) -> None:
    """The organization's llm_subscriptions rows for what no API exposes (Bedrock price, Vertex orders)."""
    for c in ds.commitments:
        if c.provider == "bedrock":
            add_subscription(
                wh,
                provider="aws_bedrock",
                commitment_type="bedrock_pt",
                model_id=c.model,
                region=c.region,
                commitment_units=c.units,
                unit_hourly_price_usd=c.unit_hourly_usd,
                tpm_limit=c.tokens_per_unit_minute,
                plan_name=f"PT_{c.name}",
            )
        elif c.provider == "vertex":
            add_subscription(
                wh,
                provider="vertex_ai",
                commitment_type="vertex_gsu",
                model_id=c.model,
                region=c.region,
                commitment_units=c.units,
                unit_hourly_price_usd=c.unit_hourly_usd,
                commitment_start_date=c.start.date(),
                commitment_end_date=c.end.date() - timedelta(days=1),
                commitment_term_months=1,
                plan_name="GSU_ORDER",
            )


def run(env, kind, **window):
    wh, store = env
    return ingest_commitment(
        CommitmentMessage(org_slug="acme", commitment_type=kind, **(window or MONTH)), warehouse=wh, secrets=store
    )


def sim_commitment(ds, kind, row):
    found = [
        c
        for c in ds.commitments
        if c.provider == SIM_PROVIDER[kind]
        and (row["commitment_id"].endswith(c.commitment_id) or (kind == "vertex_gsu" and c.model == row["model"]))
    ]
    assert len(found) == 1
    return found[0]


def truth(ds, c, hour):
    """(tokens served by the commitment, its capacity in tokens) for one hour, from the simulator's data."""
    served = sum(r.usage.tokens for r in ds.hour_rows(c.provider, hour) if r.dims.capacity_id == c.commitment_id)
    exact = Decimal(c.units * c.capacity_per_unit_hour * c.active_seconds(hour, hour + HOUR)) / 3600
    return served, exact


@pytest.mark.parametrize("kind", ["azure_ptu", "bedrock_pt", "vertex_gsu"])
def test_month_with_partial_use_adds_up(env, sim, kind):
    wh, _ = env
    ds = sim[1]
    configure(wh, ds)
    result = run(env, kind)
    table = rows(wh, TABLES[kind])
    assert result.status == "succeeded" and result.rows_usage == len(table) > 0
    by_commitment: dict[str, list[dict]] = {}
    for r in table:
        by_commitment.setdefault(r["commitment_id"], []).append(r)
    assert len(by_commitment) == len([c for c in ds.commitments if c.provider == SIM_PROVIDER[kind]])
    for _commitment_id, hours in by_commitment.items():
        c = sim_commitment(ds, kind, hours[0])
        provisioned = sum(r["provisioned_units"] * r["active_fraction"] for r in hours)
        used = sum(r["provisioned_units"] * r["active_fraction"] * r["utilization"] for r in hours)
        unused = sum(r["provisioned_units"] * r["active_fraction"] * (1 - r["utilization"]) for r in hours)
        assert provisioned == used + unused  # exact decimals, per commitment
        assert 0 < used < provisioned and unused > 0  # partial use: paid for more than was used
        assert any(r["utilization"] == 1 for r in hours) and any(r["utilization"] < 1 for r in hours)
        served_total = Decimal(0)
        for r in hours:
            served, capacity = truth(ds, c, r["hour_start"])
            assert r["utilization"] == pytest.approx(min(Decimal(1), served / capacity), abs=Decimal("1e-6")), r
            assert r["provisioned_units"] == c.units
            served_total += served
        # Used unit-hours are the tokens the simulator served on the commitment, in units.
        assert used == pytest.approx(served_total / c.capacity_per_unit_hour, abs=Decimal("0.001"))
        assert {r["hourly_unit_price_usd"] for r in hours} == {c.unit_hourly_usd}
    expected_sources = {
        "azure_ptu": ("azure_retail_prices", "provider_api"),
        "bedrock_pt": ("llm_subscriptions", "provider_api"),
        "vertex_gsu": ("llm_subscriptions", "llm_subscriptions"),
    }[kind]
    assert {(r["price_source"], r["terms_source"]) for r in table} == {expected_sources}


def test_mid_window_start_and_expiry_are_prorated_to_the_second(env, sim):
    wh, _ = env
    configure(wh, sim[1])
    run(env, "bedrock_pt")
    table = rows(wh, TABLES["bedrock_pt"])
    bought = [r for r in table if r["commitment_name"].endswith("mid-month")]
    expiring = [r for r in table if r["commitment_name"].endswith("expiring")]

    # Bought 2025-10-10 14:23:17 UTC: 2203 of the first hour's 3600 s, then every hour to the window end.
    assert bought[0]["commitment_start"] == datetime(2025, 10, 10, 14, 23, 17, tzinfo=UTC)
    assert bought[0]["hour_start"] == datetime(2025, 10, 10, 14, tzinfo=UTC)
    assert bought[0]["active_fraction"] == Decimal("0.611944444") == numeric(Decimal(2203) / 3600)
    assert len(bought) == 21 * 24 + 10  # 14:00 on the 10th .. 23:00 on the 31st
    assert all(r["active_fraction"] == 1 for r in bought[1:])
    assert sum(r["active_fraction"] for r in bought) == Decimal(513) + Decimal("0.611944444")

    # Expires 2025-10-11 06:10:00 UTC: active from the window start, 600 s of the last hour.
    assert expiring[0]["hour_start"] == datetime(2025, 10, 1, tzinfo=UTC)
    assert expiring[-1]["hour_start"] == datetime(2025, 10, 11, 6, tzinfo=UTC)
    assert expiring[-1]["commitment_end"] == datetime(2025, 10, 11, 6, 10, tzinfo=UTC)
    assert expiring[-1]["active_fraction"] == Decimal("0.166666667")
    assert len(expiring) == 10 * 24 + 7
    assert all(r["active_fraction"] == 1 for r in expiring[:-1])
    assert {r["term"] for r in table} == {"1_month"}


def _azure_tokens(base, day):
    from provider_sim.catalog import AZURE_ACCOUNT, AZURE_RESOURCE_GROUP, AZURE_SUBSCRIPTION

    account = (
        f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{AZURE_RESOURCE_GROUP}"
        f"/providers/Microsoft.CognitiveServices/accounts/{AZURE_ACCOUNT}"
    )
    body = httpx.get(
        f"{base}/azure{account}/providers/Microsoft.Insights/metrics",
        params={
            "api-version": "2023-10-01",
            "metricnames": "ProcessedPromptTokens,GeneratedTokens",
            "interval": "PT1H",
            "timespan": f"{day:%Y-%m-%dT%H:%M:%SZ}/{day + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
            "aggregation": "Total",
            "$filter": "ModelDeploymentName eq '*'",
        },
        headers={"Authorization": "Bearer sim-azure-token"},
    ).json()
    tokens: dict[tuple[str, str], float] = {}
    for metric in body["value"]:
        for series in metric["timeseries"]:
            deployment = series["metadatavalues"][0]["value"]
            for point in series["data"]:
                key = (deployment, point["timeStamp"])
                tokens[key] = tokens.get(key, 0) + point["total"]
    return tokens


def test_spillover_lands_in_payg_not_twice(env, sim):
    wh, _ = env
    base, ds = sim
    configure(wh, ds)
    for kind in ("azure_ptu", "vertex_gsu", "bedrock_pt"):
        run(env, kind, start_date="2025-10-10", end_date="2025-10-11")
    day = datetime(2025, 10, 10, tzinfo=UTC)  # every commitment is active and spills that day
    hours = [day + i * HOUR for i in range(24)]
    azure_tokens = _azure_tokens(base, day)
    checked = {}
    for c in ds.commitments:
        kind = {"azure": "azure_ptu", "bedrock": "bedrock_pt", "vertex": "vertex_gsu"}[c.provider]
        ingested = {r["hour_start"]: r for r in rows(wh, TABLES[kind]) if sim_commitment(ds, kind, r) == c}
        for hour in hours:
            spill = [
                r
                for r in ds.hour_rows(c.provider, hour)
                if r.dims.traffic == "spillover" and r.dims.model == c.model and r.dims.region == c.region
            ]
            if not spill or c.active_seconds(hour, hour + HOUR) < 3600:
                continue
            served, capacity = truth(ds, c, hour)
            excess = sum(r.usage.tokens for r in spill)
            # The commitment served exactly its capacity; the excess is pay-as-you-go only.
            assert served == capacity and excess > 0
            assert ingested[hour]["utilization"] == 1
            checked[c.name] = checked.get(c.name, 0) + 1
            stamp = f"{hour:%Y-%m-%dT%H:%M:%SZ}"
            if c.provider == "azure":
                # Monitor: the PTU deployment shows only what it served; the spill is on the standard deployment.
                assert azure_tokens[(c.commitment_id, stamp)] == served
                standard = sum(r.usage.tokens for r in ds.hour_rows("azure", hour) if r.dims.project == c.spill_to)
                assert azure_tokens[(c.spill_to, stamp)] == standard >= excess
            elif c.provider == "vertex":
                series = httpx.get(
                    f"{base}/gcp/monitoring/v3/projects/{c.project}/timeSeries",
                    params={
                        "filter": 'metric.type = "aiplatform.googleapis.com/publisher/online_serving/token_count" '
                        f'AND resource.labels.model_user_id = "{c.model}"',
                        "interval.startTime": stamp,
                        "interval.endTime": f"{hour + HOUR:%Y-%m-%dT%H:%M:%SZ}",
                        "aggregation.alignmentPeriod": "3600s",
                        "aggregation.perSeriesAligner": "ALIGN_SUM",
                        "aggregation.crossSeriesReducer": "REDUCE_SUM",
                        "aggregation.groupByFields": ["metric.label.request_type", "resource.label.location"],
                        "pageSize": 100,
                    },
                ).json()["timeSeries"]
                by_type = {
                    (s["metric"]["labels"]["request_type"], s["resource"]["labels"]["location"]): sum(
                        int(p["value"]["int64Value"]) for p in s["points"]
                    )
                    for s in series
                }
                assert by_type[("dedicated", c.region)] == served
                assert by_type[("spillover", c.region)] == excess
            else:
                cw = boto3.client(
                    "cloudwatch",
                    endpoint_url=f"{base}/aws/cloudwatch",
                    region_name=c.region,
                    aws_access_key_id="AKIASIMULATOR0000001",
                    aws_secret_access_key="x",
                )
                queries = [
                    {
                        "Id": f"q{i}_{j}",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/Bedrock",
                                "MetricName": m,
                                "Dimensions": [{"Name": "ModelId", "Value": model}],
                            },
                            "Period": 3600,
                            "Stat": "Sum",
                        },
                    }
                    for i, model in enumerate((c.commitment_id, c.model))
                    for j, m in enumerate(
                        ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
                    )
                ]
                result = cw.get_metric_data(MetricDataQueries=queries, StartTime=hour, EndTime=hour + HOUR)
                sums = {"q0": 0.0, "q1": 0.0}
                for res in result["MetricDataResults"]:
                    sums[res["Id"][:2]] += sum(res["Values"])
                assert sums["q0"] == served  # on the provisioned model ARN: capacity, never more
                assert sums["q1"] == excess  # on the on-demand model id: the spillover
    assert {c.name for c in ds.commitments} == set(checked), checked  # every commitment spilled that day


@pytest.mark.parametrize(
    "kind, window, inner",
    [
        ("azure_ptu", MONTH, (date(2025, 10, 5), date(2025, 10, 7))),
        # a start (10th 14:23:17) and an expiry (11th 06:10) inside both windows
        (
            "bedrock_pt",
            {"start_date": "2025-10-09", "end_date": "2025-10-13"},
            (date(2025, 10, 10), date(2025, 10, 12)),
        ),
    ],
)
def test_rerun_is_idempotent_and_touches_only_its_window(env, sim, kind, window, inner):
    wh, _ = env
    configure(wh, sim[1])
    table = TABLES[kind]

    def snapshot(with_run=False):
        drop = {"ingested_at"} | (set() if with_run else {"run_id"})
        return [{k: v for k, v in r.items() if k not in drop} for r in rows(wh, table)]

    totals = (
        f"SELECT COUNT(*) AS n, SUM(provisioned_units * active_fraction) AS p, SUM(utilization) AS u, "
        f"SUM(hourly_unit_price_usd) AS price FROM {table} WHERE usage_date >= '2000-01-01'"
    )
    results, snapshots, sums = [], [], []
    for _ in range(3):
        results.append(run(env, kind, **window))
        snapshots.append(snapshot())
        sums.append(wh.query("acme_prod", totals))
    assert len({r.rows_usage for r in results}) == 1 and results[0].rows_usage > 0
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert sums[0] == sums[1] == sums[2] and sums[0][0]["n"] == results[0].rows_usage

    before = snapshot(with_run=True)
    rerun = run(env, kind, start_date=inner[0].isoformat(), end_date=inner[1].isoformat())
    after = snapshot(with_run=True)
    inside = lambda r: inner[0] <= r["usage_date"] < inner[1]  # noqa: E731
    assert [r for r in after if not inside(r)] == [r for r in before if not inside(r)]  # untouched, same run_id
    assert {r["run_id"] for r in after if inside(r)} == {rerun.run_id}
    assert rerun.rows_usage == len([r for r in after if inside(r)]) > 0
    assert [{k: v for k, v in r.items() if k != "run_id"} for r in after] == [
        {k: v for k, v in r.items() if k != "run_id"} for r in before
    ]
    ledger = wh.query(
        "acme_prod",
        "SELECT flow, provider, status, COUNT(*) AS n FROM genai_ingestion_runs "
        "WHERE event_date >= '2000-01-01' GROUP BY ALL ORDER BY status",
    )
    assert ledger == [
        {"flow": "commitment", "provider": kind, "status": "started", "n": 4},
        {"flow": "commitment", "provider": kind, "status": "succeeded", "n": 4},
    ]
