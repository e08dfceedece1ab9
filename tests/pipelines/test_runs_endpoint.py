"""GET /pipelines/runs/{org}: the ledger, one row per run in its latest state, filterable; and a
manual run followed end to end through the bus, the real entry points and the ledger."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest

from genai_costs.model.window import Window
from genai_costs.pipeline_endpoints import PipelinesApi, pinned_to
from genai_costs.runs.ledger import Run, record_event
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.local.entry_points import load_entry_point
from genai_costs_cli.local.inprocess import InProcessBus

UTC = dt.UTC
TODAY = dt.datetime.now(UTC).date()


def at(days_ago: int, hour: int = 6) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(hour), tzinfo=UTC)


def ledger_run(wh, *, flow, provider, started, status, trigger, window=None, **extra) -> str:
    window = window or Window(start=started.date() - dt.timedelta(days=3), end=started.date())
    run = Run("acme", provider, flow, window, trigger_id=trigger, started_at=started)
    first = run.event("started") | {"event_at": started, "event_date": started.date()}
    record_event(wh, "acme_prod", first)
    if status != "started":
        done = started + dt.timedelta(minutes=2)
        final = run.event(status, **extra) | {"event_at": done, "event_date": done.date(), "duration_ms": 120_000}
        record_event(wh, "acme_prod", final)
    return run.run_id


@pytest.fixture
def seeded(acme_warehouse):
    warehouse = acme_warehouse
    ids = {
        "openai_ok": ledger_run(
            warehouse, flow="payg", provider="openai", started=at(1), status="succeeded", trigger="m-1", rows_usage=42
        ),
        "openai_failed": ledger_run(
            warehouse,
            flow="payg",
            provider="openai",
            started=at(2),
            status="failed",
            trigger="m-2",
            error="secret genai-acme-openai not found",
            error_kind="SecretNotFoundError",
        ),
        "anthropic_running": ledger_run(
            warehouse, flow="payg", provider="anthropic", started=at(0, 0), status="started", trigger="m-3"
        ),
        "ptu_ok": ledger_run(
            warehouse,
            flow="commitment",
            provider="azure_ptu",
            started=at(3),
            status="succeeded",
            trigger="m-4",
            window=Window(start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1)),
        ),
        "old_consolidate": ledger_run(
            warehouse, flow="consolidate", provider="all", started=at(20), status="succeeded", trigger="m-5"
        ),
    }
    return warehouse, ids


def api_over(warehouse) -> PipelinesApi:
    def no_bus():
        raise AssertionError("GET must not publish")

    return PipelinesApi(
        publisher=no_bus,
        warehouse=lambda: contextlib.nullcontext(warehouse),
        topic_for=lambda flow: f"genai-{flow}",
        trailing_days=3,
        check_org=pinned_to("acme"),
    )


def get(api, **query):
    return api.handle("GET", "/pipelines/runs/acme", b"", {k: str(v) for k, v in query.items()})


def run_ids(answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [r["run_id"] for r in answer.body["runs"]]


def test_default_is_the_last_seven_days_newest_first_in_each_runs_latest_state(seeded):
    wh, ids = seeded
    answer = get(api_over(wh))
    assert run_ids(answer) == [ids["anthropic_running"], ids["openai_ok"], ids["openai_failed"], ids["ptu_ok"]]
    rows = {r["run_id"]: r for r in answer.body["runs"]}
    ok = rows[ids["openai_ok"]]
    assert ok["status"] == "succeeded" and ok["rows_usage"] == 42 and ok["trigger_id"] == "m-1"
    assert ok["finished_at"] is not None and ok["duration_ms"] == 120_000
    running = rows[ids["anthropic_running"]]
    assert running["status"] == "started" and running["finished_at"] is None
    failed = rows[ids["openai_failed"]]
    assert failed["error_kind"] == "SecretNotFoundError" and "genai-acme-openai" in failed["error"]
    assert answer.body["truncated"] is False


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"flow": "payg"}, ["anthropic_running", "openai_ok", "openai_failed"]),
        ({"provider": "openai"}, ["openai_ok", "openai_failed"]),
        ({"status": "failed"}, ["openai_failed"]),
        ({"status": "started"}, ["anthropic_running"]),
        ({"trigger_id": "m-4"}, ["ptu_ok"]),
        ({"covers": "2025-01-31"}, ["ptu_ok"]),
        ({"covers": "2025-02-01"}, []),
        ({"since": (TODAY - dt.timedelta(days=30)).isoformat(), "flow": "consolidate"}, ["old_consolidate"]),
        ({"until": (TODAY - dt.timedelta(days=1)).isoformat()}, ["openai_failed", "ptu_ok"]),
        ({"flow": "payg", "provider": "openai", "status": "succeeded"}, ["openai_ok"]),
    ],
)
def test_filters(seeded, query, expected):
    wh, ids = seeded
    assert run_ids(get(api_over(wh), **query)) == [ids[k] for k in expected]


def test_limit_marks_the_answer_truncated(seeded):
    wh, ids = seeded
    answer = get(api_over(wh), limit=2)
    assert run_ids(answer) == [ids["anthropic_running"], ids["openai_ok"]] and answer.body["truncated"] is True


def test_a_killed_run_closed_as_abandoned_shows_abandoned_with_why(seeded):
    wh, _ = seeded
    # The ledger as relia's close_abandoned leaves it: 'started', then 'abandoned' appended by the next run.
    killed = ledger_run(
        wh,
        flow="payg",
        provider="gemini",
        started=at(1, 2),
        status="abandoned",
        trigger="m-6",
        error="no outcome recorded within the function timeout: the run was killed or timed out",
        error_kind="RunAbandoned",
    )
    answer = get(api_over(wh), status="abandoned")
    (row,) = answer.body["runs"]
    assert (row["run_id"], row["status"], row["error_kind"]) == (killed, "abandoned", "RunAbandoned")
    assert row["finished_at"] is not None and "killed" in row["error"]
    assert killed not in run_ids(get(api_over(wh), status="started"))


@pytest.mark.parametrize(
    "query, message",
    [
        ({"status": "broken"}, "status"),
        ({"flow": "daily"}, "flow"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until must be after since"),
        ({"limit": "0"}, "limit"),
        ({"provider": "OpenAI; DROP TABLE x"}, "provider"),
        ({"orgs": "beta"}, "Extra inputs"),
    ],
)
def test_bad_filters_are_refused(seeded, query, message):
    wh, _ = seeded
    answer = get(api_over(wh), **query)
    assert answer.status == 400 and message in answer.body["error"]


# --- end to end: the route publishes, the bus delivers to the real entry points, the ledger records


@pytest.fixture
def embedded_api(acme_onboarded):
    settings = get_settings()
    bus = InProcessBus(project="local")
    bus.subscribe("genai-payg", load_entry_point("ingest_payg"))
    bus.subscribe("genai-consolidate", load_entry_point("consolidate"))
    topics = {"payg": "genai-payg", "consolidate": "genai-consolidate"}
    api = PipelinesApi(
        publisher=lambda: bus,
        warehouse=lambda: open_warehouse(settings),
        topic_for=lambda flow: topics[flow],
        trailing_days=3,
        check_org=pinned_to("acme"),
    )
    return api, bus


def test_a_manual_backfill_runs_through_the_function_and_is_followed_in_the_ledger(embedded_api):
    api, bus = embedded_api
    start = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=20)  # the 20th of last month
    body = f'{{"start_date": "{start}", "end_date": "{TODAY}"}}'.encode()
    accepted = api.handle("POST", "/pipelines/run/acme/genai/unified/consolidate", body, {})
    assert accepted.status == 202, accepted.body
    message_ids = [m["message_id"] for m in accepted.body["messages"]]
    assert len(message_ids) == 2 and bus.dead_letters == []

    runs = get(api, flow="consolidate").body["runs"]
    assert sorted(r["trigger_id"] for r in runs) == sorted(message_ids)
    assert {r["status"] for r in runs} == {"succeeded"}
    windows = sorted((r["window_start"], r["window_end"]) for r in runs)
    assert windows == [
        (start.isoformat(), TODAY.replace(day=1).isoformat()),
        (TODAY.replace(day=1).isoformat(), TODAY.isoformat()),
    ]
    one = get(api, trigger_id=message_ids[0]).body["runs"]
    assert [r["trigger_id"] for r in one] == [message_ids[0]]


def test_a_failing_manual_run_shows_up_failed_with_its_reason(embedded_api):
    api, bus = embedded_api
    accepted = api.handle("POST", "/pipelines/run/acme/genai/payg/openai", b"", {})
    assert accepted.status == 202
    (message_id,) = [m["message_id"] for m in accepted.body["messages"]]
    (run,) = get(api, trigger_id=message_id).body["runs"]
    # No credentials stored: a permanent failure, acknowledged (not redelivered), recorded with the reason.
    assert run["status"] == "failed" and run["provider"] == "openai"
    assert "genai-acme-openai" in run["error"]
    assert (run["window_start"], run["window_end"]) == (
        (TODAY - dt.timedelta(days=get_settings().trailing_days)).isoformat(),
        TODAY.isoformat(),
    )
    assert bus.dead_letters == []
