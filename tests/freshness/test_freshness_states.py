"""genai_source_freshness on the embedded warehouse: each state (fresh, late, silent, failing) from
a ledger and raw rows built for it, each source's own lag rule, abandoned runs and write leases, and
the operational alerts the states call for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from genai_costs.freshness import SourceFreshness, operational_alerts, read_freshness
from genai_costs.model.alert import AlertKind, Severity
from genai_costs.model.window import Window
from genai_costs.paths import sql_root
from genai_costs.runs.ledger import Run, record_event
from genai_costs.warehouse.tables import load_table_specs

UTC = dt.UTC
NOW = dt.datetime.now(UTC)
TODAY = NOW.date()
DATASET = "acme_prod"


def day(days_ago: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_ago)


def ran(
    wh,
    provider: str,
    *,
    at: dt.datetime,
    status: str = "succeeded",
    flow: str = "payg",
    days: int = 3,
    **extra: Any,
) -> Run:
    """A run that read the ``days`` days before the day it ran (the trailing re-pull of a daily schedule)."""
    window = Window(start=at.date() - dt.timedelta(days=days), end=at.date())
    run = Run("acme", provider, flow, window, trigger_id="t", started_at=at - dt.timedelta(minutes=2))
    record_event(wh, DATASET, run.event("started") | {"event_at": run.started_at, "event_date": at.date()})
    if status != "started":
        record_event(wh, DATASET, run.event(status, **extra) | {"event_at": at, "event_date": at.date()})
    return run


def daily_runs(wh, provider: str, *, last_days_ago: int, count: int = 10, flow: str = "payg") -> None:
    """One successful run a day, the newest ``last_days_ago`` days ago, each at 00:30 (safely in the past)."""
    for n in range(last_days_ago, last_days_ago + count):
        ran(wh, provider, flow=flow, at=dt.datetime.combine(day(n), dt.time(0, 30), tzinfo=UTC))


def usage_rows(wh, provider: str, per_day: dict[dt.date, int]) -> None:
    spec = load_table_specs(sql_root())[f"genai_payg_{provider}_usage"]
    rows = [
        {
            "record_id": f"{provider}-{d}-{i}",
            "run_id": "r",
            "ingested_at": NOW,
            "org_slug": "acme",
            "provider": provider,
            "source": "usage",
            "bucket_start": dt.datetime.combine(d, dt.time(), tzinfo=UTC),
            "bucket_width": "1d",
            "usage_date": d,
            "model": "m",
            **dict.fromkeys(
                (
                    "input_uncached_tokens",
                    "input_cached_tokens",
                    "cache_write_5m_tokens",
                    "cache_write_1h_tokens",
                    "input_audio_tokens",
                    "output_tokens",
                    "output_audio_tokens",
                    "provider_total_tokens",
                ),
                1,
            ),
        }
        for d, n in per_day.items()
        for i in range(n)
    ]
    wh.load_rows(DATASET, spec, rows)


def steady(days_back: int = 40, per_day: int = 10, *, skip: tuple[int, ...] = ()) -> dict[dt.date, int]:
    return {day(n): per_day for n in range(1, days_back) if n not in skip}


def lease(wh, provider: str, *, holder: str, acquired: dt.datetime, expires: dt.datetime, flow: str = "payg") -> None:
    spec = load_table_specs(sql_root())["genai_run_leases"]
    row = {"org_slug": "acme", "flow": flow, "provider": provider, "holder_run_id": holder}
    row |= {"window_start": day(3), "window_end": TODAY, "acquired_at": acquired, "expires_at": expires}
    wh.load_rows(DATASET, spec, [row])


def by_source(wh) -> dict[str, SourceFreshness]:
    return {s.source_id: s for s in read_freshness(wh, "acme")}


@pytest.fixture
def wh(acme_warehouse):
    return acme_warehouse


def test_fresh_source_is_complete_through_its_lag(wh) -> None:
    # OpenAI settles a day after the day ends: on day T, T-2 is the last day that must be complete.
    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    s = by_source(wh)["payg/openai"]
    assert (s.state, s.settles_after_days) == ("fresh", 1)
    assert s.complete_through == s.expected_through == day(2)
    assert s.days_behind == 0
    assert s.rows_expected_day == 10 and s.rows_norm == 10
    assert s.state_reason == f"complete through {day(2)}"


def test_each_source_applies_its_own_lag(wh) -> None:
    # The same runs (today, over the three days before) make OpenAI (settled a day after the day)
    # complete through T-2, and Gemini (the billing export keeps revising a day for two) through T-3:
    # Gemini's T-2 was read, but before it settled.
    for provider in ("openai", "gemini"):
        daily_runs(wh, provider, last_days_ago=0)
        usage_rows(wh, provider, steady())
    states = by_source(wh)
    assert (states["payg/openai"].complete_through, states["payg/openai"].state) == (day(2), "fresh")
    assert (states["payg/gemini"].complete_through, states["payg/gemini"].state) == (day(3), "fresh")
    assert states["payg/gemini"].expected_through == day(3)


def test_late_when_complete_through_lags_expected(wh) -> None:
    daily_runs(wh, "anthropic", last_days_ago=1)
    usage_rows(wh, "anthropic", steady())
    s = by_source(wh)["payg/anthropic"]
    assert s.state == "late"
    assert (s.complete_through, s.expected_through, s.days_behind) == (day(3), day(2), 1)
    assert s.state_reason == f"complete through {day(3)}, expected through {day(2)}"


def test_late_when_the_expected_day_has_under_half_its_weekday_norm(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=0)
    rows = steady()
    rows[day(2)] = 4  # the same weekday carried 10 rows in each of the four weeks before
    usage_rows(wh, "openai", rows)
    s = by_source(wh)["payg/openai"]
    assert s.state == "late"
    assert (s.rows_expected_day, s.rows_norm) == (4, 10)
    assert "under half the norm" in s.state_reason


def test_silent_without_a_successful_run_for_48_hours(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=3)
    usage_rows(wh, "openai", steady())
    s = by_source(wh)["payg/openai"]
    assert s.state == "silent"
    assert s.state_reason == "no successful run for 48 hours"


def test_silent_when_runs_succeed_but_rows_stop(wh) -> None:
    # The feed went quiet: runs succeed every day and find nothing for the last days.
    daily_runs(wh, "azure_openai", last_days_ago=0)
    usage_rows(wh, "azure_openai", steady(skip=(1, 2, 3, 4, 5)))
    s = by_source(wh)["payg/azure_openai"]
    assert s.state == "silent"
    assert s.rows_last_3_days == 0 and s.rows_norm == 10
    assert s.state_reason.startswith(f"no rows on the 3 days through {day(3)}")


def test_failing_when_the_latest_run_failed_and_fresh_again_after_a_success(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=1)
    usage_rows(wh, "openai", steady())
    failed_at = NOW - dt.timedelta(minutes=30)
    ran(wh, "openai", at=failed_at, status="failed", error_kind="ProviderAuthError", error="401 from the Usage API")
    s = by_source(wh)["payg/openai"]
    assert s.state == "failing"
    assert (s.last_run_status, s.last_error_kind) == ("failed", "ProviderAuthError")
    assert s.state_reason == "last run failed: ProviderAuthError"

    ran(wh, "openai", at=NOW - dt.timedelta(minutes=5))
    assert by_source(wh)["payg/openai"].state == "fresh"


def test_failing_when_the_latest_run_was_abandoned(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    ran(
        wh,
        "openai",
        at=NOW - dt.timedelta(minutes=1),
        status="abandoned",
        error_kind="RunAbandoned",
        error="no outcome recorded within the function timeout",
    )
    s = by_source(wh)["payg/openai"]
    assert (s.state, s.last_run_status) == ("failing", "abandoned")
    assert s.state_reason.startswith("last run abandoned")


def test_a_run_that_stopped_holding_its_lease_is_failing_and_a_live_one_is_running(wh) -> None:
    for provider in ("openai", "anthropic"):
        daily_runs(wh, provider, last_days_ago=0)
        usage_rows(wh, provider, steady())
    killed = ran(wh, "openai", at=NOW - dt.timedelta(hours=2), status="started")
    lease(wh, "openai", holder=killed.run_id, acquired=NOW - dt.timedelta(hours=2), expires=NOW - dt.timedelta(hours=1))
    live = ran(wh, "anthropic", at=NOW - dt.timedelta(minutes=1), status="started")
    lease(
        wh, "anthropic", holder=live.run_id, acquired=NOW - dt.timedelta(minutes=1), expires=NOW + dt.timedelta(hours=1)
    )

    states = by_source(wh)
    openai, anthropic = states["payg/openai"], states["payg/anthropic"]
    assert openai.state == "failing"
    assert killed.run_id in openai.state_reason and "lease lapsed" in openai.state_reason
    assert anthropic.state == "fresh" and anthropic.running_since is not None


def test_a_lapsed_lease_whose_run_recorded_an_outcome_is_not_a_failure(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    done = ran(wh, "openai", at=NOW - dt.timedelta(hours=2))
    lease(wh, "openai", holder=done.run_id, acquired=NOW - dt.timedelta(hours=2), expires=NOW - dt.timedelta(hours=1))
    assert by_source(wh)["payg/openai"].state == "fresh"


def test_only_sources_with_runs_or_rows_are_listed_needing_attention_first(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    daily_runs(wh, "anthropic", last_days_ago=5)
    daily_runs(wh, "vertex_gpu", flow="infrastructure", last_days_ago=0)
    listed = read_freshness(wh, "acme")
    assert [s.source_id for s in listed] == ["payg/anthropic", "infrastructure/vertex_gpu", "payg/openai"]
    assert [s.state for s in listed] == ["silent", "fresh", "fresh"]


def test_alerts_for_late_silent_and_failing_sources_once_per_episode(wh) -> None:
    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    daily_runs(wh, "anthropic", last_days_ago=1)
    daily_runs(wh, "gemini", last_days_ago=4)
    daily_runs(wh, "aws_bedrock", last_days_ago=1)
    ran(wh, "aws_bedrock", at=NOW - dt.timedelta(minutes=3), status="failed", error_kind="ProviderUnavailableError")

    sources = read_freshness(wh, "acme")
    alerts = {a.operational.source: a for a in operational_alerts("acme", sources, evaluated_at=NOW)}
    assert set(alerts) == {"payg/anthropic", "payg/gemini", "payg/aws_bedrock"}  # not the fresh payg/openai
    assert alerts["payg/anthropic"].kind is AlertKind.SOURCE_STALE
    assert alerts["payg/gemini"].kind is AlertKind.SOURCE_STALE
    assert alerts["payg/aws_bedrock"].kind is AlertKind.RUN_FAILED
    assert alerts["payg/aws_bedrock"].severity is Severity.CRITICAL
    assert "Anthropic pay-as-you-go is late" in alerts["payg/anthropic"].operational.summary

    # Evaluated again an hour later, the same episodes give the same alert ids (the ledger raises them once) ...
    again = operational_alerts("acme", read_freshness(wh, "acme"), evaluated_at=NOW + dt.timedelta(hours=1))
    assert {a.alert_id for a in again} == {a.alert_id for a in alerts.values()}
    # ... Anthropic catching up is no longer alerted, and a failure of its next run is a new alert.
    ran(wh, "anthropic", at=dt.datetime.combine(TODAY, dt.time(0, 1), tzinfo=UTC), days=2)
    moved = {a.operational.source: a for a in operational_alerts("acme", read_freshness(wh, "acme"), evaluated_at=NOW)}
    assert set(moved) == {"payg/gemini", "payg/aws_bedrock"}
    assert moved["payg/gemini"].alert_id == alerts["payg/gemini"].alert_id
    ran(wh, "anthropic", at=NOW - dt.timedelta(minutes=1), status="failed", error_kind="ProviderAuthError")
    failed = {a.operational.source: a for a in operational_alerts("acme", read_freshness(wh, "acme"), evaluated_at=NOW)}
    assert failed["payg/anthropic"].kind is AlertKind.RUN_FAILED
    assert failed["payg/anthropic"].alert_id != alerts["payg/anthropic"].alert_id


def test_the_scheduled_evaluation_records_each_episode_once_in_the_alert_ledger(wh) -> None:
    from genai_costs.alerting.targets import SlackTarget
    from genai_costs.budgets.evaluation import alert_stale_sources

    daily_runs(wh, "openai", last_days_ago=0)
    usage_rows(wh, "openai", steady())
    daily_runs(wh, "gemini", last_days_ago=4)
    ran(wh, "aws_bedrock", at=NOW - dt.timedelta(minutes=3), status="failed", error_kind="ProviderUnavailableError")

    def evaluate(minutes: int) -> None:
        alert_stale_sources(
            wh, DATASET, org_slug="acme", targets=[SlackTarget(secret_id="ops-slack")],
            now=NOW + dt.timedelta(minutes=minutes), raised_by=f"evaluation-{minutes}",
        )  # fmt: skip

    def ledger() -> list[tuple[str, str]]:
        rows = wh.query(DATASET, "SELECT kind, subject FROM genai_alert_ledger ORDER BY subject, kind")
        return [(r["kind"], r["subject"]) for r in rows]

    for minutes in (0, 5, 10):  # every 5 minutes, the same episodes
        evaluate(minutes)
    assert ledger() == [("run_failed", "payg/aws_bedrock"), ("source_stale", "payg/gemini")]
    # a new episode (Gemini's next run fails) is a new alert; the fresh OpenAI source never is one
    ran(wh, "gemini", at=NOW - dt.timedelta(minutes=1), status="failed", error_kind="ProviderAuthError")
    evaluate(15)
    assert ledger() == [
        ("run_failed", "payg/aws_bedrock"),
        ("run_failed", "payg/gemini"),
        ("source_stale", "payg/gemini"),
    ]  # (the late episode stays on record)


def test_a_freshness_read_that_fails_leaves_the_budget_evaluation_to_finish(wh, monkeypatch) -> None:
    from genai_costs.budgets import evaluation
    from genai_costs.errors import WarehouseError

    def broken(*_args, **_kwargs):
        raise WarehouseError("genai_source_freshness: permission denied")

    monkeypatch.setattr(evaluation, "read_freshness", broken)
    assert evaluation.alert_stale_sources(wh, DATASET, org_slug="acme", targets=[], now=NOW, raised_by="e") == []
    done = evaluation.evaluate_budgets(evaluation.EvaluateBudgetsMessage(org_slug="acme"), warehouse=wh, now=NOW)
    assert done.operational == []  # the run succeeded (a failure would raise) and raised nothing
    runs = wh.query(
        DATASET, "SELECT status FROM genai_ingestion_runs WHERE event_date >= '2000-01-01' AND flow = 'budgets'"
    )
    assert [r["status"] for r in runs if r["status"] != "started"] == ["succeeded"]
