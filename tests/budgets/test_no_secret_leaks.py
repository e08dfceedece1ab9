"""Evaluating budgets and delivering their alerts through every channel, in success and failure,
leaves no channel secret or webhook URL in logs, the ledger, delivery rows, statuses or test output."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from genai_costs.alerting.http import new_http_client
from genai_costs.budgets.dispatch import Dispatcher
from genai_costs.logs import configure_logging
from tests.alerting.helpers import EMAIL, SLACK, SMS, WEBHOOK, inject
from tests.alerting.test_no_secret_leaks import assert_nothing_leaked, secret_values

CHANNELS = [SLACK.model_dump(), EMAIL.model_dump(), SMS.model_dump(), WEBHOOK.model_dump()]


@pytest.mark.parametrize("faults", [[], ["500"], ["expired_key"], ["gone"], ["429"]])
def test_evaluation_and_delivery_leak_no_secret(world, sim, channel_secrets, caplog, capsys, faults):
    store, values = channel_secrets
    configure_logging("DEBUG")  # the JSON lines the functions write in the cloud
    for logger in (None, "httpx", "httpcore", "genai_costs"):
        caplog.set_level(logging.DEBUG, logger=logger)
    for channel in ("slack", "sendgrid", "twilio", "webhook"):
        if faults:
            inject(sim, channel, *faults)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    now = max(now, now.replace(day=1, hour=0, minute=0, second=0) + dt.timedelta(minutes=3))
    world.budget("acme", "10", scope={"tenant": "acme"}, channels=CHANNELS)
    world.event(now - dt.timedelta(minutes=1), "10", tenant="acme")
    with new_http_client(timeout=2) as http:
        dispatcher = Dispatcher(secrets=store, http=http)
        world.evaluate(now, dispatcher)
        world.evaluate(now + dt.timedelta(seconds=30), dispatcher)
    stored = [
        str(world.ledger()),
        str(world.deliveries()),
        str(world.rows("SELECT * FROM genai_budget_status WHERE evaluation_date >= DATE '2000-01-01'")),
        str(world.rows("SELECT * FROM genai_budgets")),
        str(world.rows("SELECT * FROM genai_ingestion_runs")),
    ]
    out = capsys.readouterr()
    assert_nothing_leaked(
        secret_values(values),
        *stored,
        caplog.text,
        *(str(r.args) for r in caplog.records),
        out.out,
        out.err,
        sim.get("/_sim/requests").text,
    )
    statuses = {d["channel"]: d["status"] for d in world.deliveries()}
    assert statuses and (faults or set(statuses.values()) == {"sent"})
