"""`genai-costs freshness ORG` and the report's freshness section on the embedded warehouse, and the
operational alerts delivered through the alerting path."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from genai_costs.alerting import DeliveryStatus, PubSubTarget, build_sender
from genai_costs.freshness import operational_alerts, raise_alerts, read_freshness
from genai_costs.messaging.cloudevents import decode_pubsub_payload
from genai_costs.model.window import Window
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.app import app
from genai_costs_cli.local.inprocess import InProcessBus
from genai_costs_cli.report_html import write_html
from genai_costs_cli.reporting import ReportFilter, build_report

from .test_freshness_states import NOW, TODAY, daily_runs, day, ran, steady, usage_rows


@pytest.fixture
def org(monkeypatch, acme_onboarded) -> str:
    """acme with a fresh OpenAI feed, a late Anthropic one and a failing Bedrock one."""
    monkeypatch.setenv("COLUMNS", "250")
    with open_warehouse(get_settings()) as wh, wh.held():  # set-up: the file opened once, not per row
        daily_runs(wh, "openai", last_days_ago=0)
        usage_rows(wh, "openai", steady())
        daily_runs(wh, "anthropic", last_days_ago=1)
        daily_runs(wh, "aws_bedrock", last_days_ago=0)
        ran(wh, "aws_bedrock", at=NOW - dt.timedelta(minutes=3), status="failed", error_kind="ProviderAuthError")
    return "acme"


def line_of(output: str, source: str) -> str:
    return next(line for line in output.splitlines() if source in line)


def test_cli_prints_each_source_needing_attention_first_and_exits_1(org) -> None:
    result = CliRunner().invoke(app, ["freshness", org])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "payg/" in line]
    assert [line.split()[1] for line in lines] == ["payg/aws_bedrock", "payg/anthropic", "payg/openai"]
    assert "failing" in lines[0] and "last run failed: ProviderAuthError" in lines[0]
    anthropic = line_of(result.output, "payg/anthropic")
    for shown in ("late", str(day(3)), str(day(2)), f"complete through {day(3)}, expected through"):
        assert shown in anthropic, anthropic
    openai = line_of(result.output, "payg/openai")
    assert "fresh" in openai and "10 / 10" in openai


def test_cli_json_and_exit_0_when_every_source_is_fresh(monkeypatch, acme_onboarded) -> None:
    with open_warehouse(get_settings()) as wh:
        daily_runs(wh, "openai", last_days_ago=0)
    result = CliRunner().invoke(app, ["freshness", "acme", "--json"])
    assert result.exit_code == 0, result.output
    (only,) = json.loads(result.output)
    assert (only["source_id"], only["state"], only["complete_through"]) == ("payg/openai", "fresh", str(day(2)))


def test_cli_refuses_an_org_other_than_the_pinned_one(org, monkeypatch) -> None:
    monkeypatch.setenv("GENAI_COSTS_ORG_SLUG", "other")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["freshness", org])
    assert result.exit_code == 2 and "other" in result.output


def test_cli_alerts_the_sources_that_are_not_fresh(org, tmp_path) -> None:
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"kind": "pubsub", "topic": "genai-costs-alerts"}]))
    result = CliRunner().invoke(app, ["freshness", org, "--alert-targets", str(targets)])
    assert result.exit_code == 1, result.output
    sent = [line for line in result.output.splitlines() if line.startswith("alert ")]
    assert len(sent) == 2 and all(line.endswith("via pubsub:genai-costs-alerts: sent") for line in sent)


def test_cli_rejects_bad_targets_before_reading_anything(org, tmp_path) -> None:
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"kind": "slack", "url": "https://hooks.slack.com/x"}]))
    result = CliRunner().invoke(app, ["freshness", org, "--alert-targets", str(targets)])
    assert result.exit_code == 2 and "secret_id" in result.output


def test_alerts_reach_the_channel_once(org) -> None:
    bus, got = InProcessBus(), []
    bus.subscribe("genai-costs-alerts", got.append)
    target = PubSubTarget(topic="genai-costs-alerts")
    raised: set[str] = set()
    with open_warehouse(get_settings()) as wh:
        sources = read_freshness(wh, org)
    sender_for = lambda t: build_sender(t, secrets=None, publisher=bus)  # noqa: E731
    first = raise_alerts(
        operational_alerts(org, sources, evaluated_at=NOW), [target], sender_for, already_raised=raised
    )
    assert [d.status for d in first] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    # Evaluated again, the same episodes send nothing.
    later = NOW + dt.timedelta(minutes=10)
    assert (
        raise_alerts(operational_alerts(org, sources, evaluated_at=later), [target], sender_for, already_raised=raised)
        == []
    )
    bodies = {decode_pubsub_payload(e)["data"]["operational"]["source"]: decode_pubsub_payload(e)["data"] for e in got}
    assert set(bodies) == {"payg/anthropic", "payg/aws_bedrock"}
    assert bodies["payg/aws_bedrock"]["kind"] == "run_failed"
    assert bodies["payg/anthropic"]["kind"] == "source_stale"
    assert all(e.data["message"]["attributes"]["org_slug"] == org for e in got)


def test_report_has_the_freshness_section(org, tmp_path) -> None:
    with open_warehouse(get_settings()) as wh:
        report = build_report(wh, org, ReportFilter(Window(start=TODAY - dt.timedelta(days=7), end=TODAY)))
    assert [(r["source_id"], r["state"]) for r in report.sections["source_freshness"]] == [
        ("payg/aws_bedrock", "failing"),
        ("payg/anthropic", "late"),
        ("payg/openai", "fresh"),
    ]
    page = write_html(report, tmp_path / "r.html").read_text()
    assert "Data freshness per source" in page and f"complete through {day(3)}, expected through {day(2)}" in page
