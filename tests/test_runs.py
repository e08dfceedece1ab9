"""The one run skeleton every runner uses: ledger, redaction, closing, transient / permanent mapping."""

from __future__ import annotations

import datetime as dt

import pytest

from genai_costs.errors import ConfigurationError, ProviderAuthError, WarehouseError
from genai_costs.logs import register_secret
from genai_costs.model.window import Window
from genai_costs.runs.lifecycle import ledgered_run

WINDOW = Window(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 2))
SECRET = "sk-skeleton-SECRET-0123456789"


class Resource:
    def __init__(self, fail_on_close: bool = False) -> None:
        self.closed, self.fail_on_close = 0, fail_on_close

    def close(self) -> None:
        self.closed += 1
        if self.fail_on_close:
            raise OSError(f"socket already gone ({SECRET})")


@pytest.fixture
def wh(acme_warehouse):
    return acme_warehouse


def start(wh, **kw):
    return ledgered_run(
        wh,
        org_slug=kw.pop("org_slug", "acme"),
        provider="openai",
        flow="payg",
        window=WINDOW,
        trigger_id="event-1",
        unexpected=WarehouseError,
    )


def ledger(wh):
    return wh.query(
        "acme_prod",
        "SELECT run_id, status, rows_usage, error, error_kind, trigger_id FROM genai_ingestion_runs "
        "WHERE event_date >= '2000-01-01' ORDER BY event_at",
    )


def test_success_records_started_then_succeeded_with_counts_and_closes(wh):
    resource = Resource()
    with start(wh) as run:
        assert run.closing(resource) is resource
        assert ledger(wh)[0]["status"] == "started"
        run.count(rows_usage=7)
    result = run.result()
    events = ledger(wh)
    assert [(e["status"], e["rows_usage"]) for e in events] == [("started", None), ("succeeded", 7)]
    assert {e["run_id"] for e in events} == {result.run_id} and events[0]["trigger_id"] == "event-1"
    assert (result.status, result.rows_usage, result.window) == ("succeeded", 7, WINDOW)
    assert resource.closed == 1


def test_permanent_error_stays_permanent_redacted_everywhere(wh, caplog):
    register_secret(SECRET)
    resource = Resource()
    with pytest.raises(ProviderAuthError) as info, start(wh) as run:
        run.closing(resource)
        raise ProviderAuthError(f"401: key {SECRET} rejected")
    assert not info.value.transient and resource.closed == 1
    failed = ledger(wh)[-1]
    assert (failed["status"], failed["error_kind"]) == ("failed", "ProviderAuthError")
    assert SECRET not in failed["error"] and "[REDACTED]" in failed["error"]
    assert SECRET not in caplog.text


def test_unexpected_exception_is_wrapped_transient_and_keeps_its_kind(wh):
    with pytest.raises(WarehouseError, match="unexpected failure: ZeroDivisionError") as info, start(wh):
        _ = 1 / 0
    assert info.value.transient and isinstance(info.value.__cause__, ZeroDivisionError)
    assert ledger(wh)[-1]["error_kind"] == "ZeroDivisionError"


def test_a_failing_close_does_not_fail_a_written_run(wh, caplog):
    register_secret(SECRET)
    with start(wh) as run:
        run.closing(Resource(fail_on_close=True))
    assert ledger(wh)[-1]["status"] == "succeeded"
    assert "closing Resource failed" in caplog.text and SECRET not in caplog.text


def test_organization_not_onboarded_fails_before_anything_is_written(warehouse):
    with pytest.raises(ConfigurationError, match="not onboarded"), start(warehouse, org_slug="other"):
        pytest.fail("the body must not run")
