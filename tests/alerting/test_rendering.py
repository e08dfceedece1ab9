"""Each channel's payload against its documented shape, and what a reader learns from it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from genai_costs.alerting import text
from genai_costs.alerting.base import AttemptContext
from genai_costs.alerting.envelope import alert_envelope, envelope_bytes
from genai_costs.alerting.sendgrid import render_email
from genai_costs.alerting.slack import render_slack
from genai_costs.alerting.targets import SmsTarget
from genai_costs.alerting.twilio import MAX_BODY_CHARS, render_sms, render_sms_form
from genai_costs.model.alert import AlertKind

from .helpers import EMAIL, EVALUATED, SMS, budget_alert, operational_alert

CONTEXT = AttemptContext("alr_x/email:k", "msg_" + "0" * 32, 1, EVALUATED)


def test_money_and_percent_wording() -> None:
    assert text.usd(Decimal("9240.125")) == "$9,240.13"
    assert text.usd(Decimal("0.004")) == "<$0.01"
    assert text.usd(Decimal("-12.5")) == "-$12.50"
    assert text.percent(Decimal("99.99")) == "99.9%"  # never "100%" before the budget is reached
    assert text.percent(Decimal("90.00")) == "90%"
    days = [dt.date(2025, 10, d) for d in (31, 29, 30, 5)]
    assert text.days_text(days) == "2025-10-05, 2025-10-29..2025-10-31"


def test_headline_says_budget_share_and_threshold() -> None:
    assert text.headline(budget_alert()) == "Budget 'Tenant acme monthly' is at 92.4% of $10,000.00 (threshold 90%)"
    forecast = text.headline(budget_alert(kind=AlertKind.BUDGET_FORECAST, threshold="100"))
    assert (
        forecast
        == "Budget 'Tenant acme monthly' is forecast at 118% of $10,000.00 by 2025-10-31 (forecast threshold 100%)"
    )
    assert text.headline(operational_alert()) == "Run failed: ingest payg/openai failed: ProviderAuthError"


def test_slack_payload_shape() -> None:
    payload = render_slack(budget_alert())
    assert set(payload) == {"text", "blocks"}
    assert (
        payload["text"] == "[genai-costs demo] Budget 'Tenant acme monthly' is at 92.4% of $10,000.00 (threshold 90%)"
    )
    header, facts, contributors, context = payload["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": text.headline(budget_alert())}}
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in facts["fields"]}
    assert fields["*Spend to date*"] == "$9,240.12 = 92.4%"
    assert fields["*Forecast at period end*"] == "$11,800.50 (band $10,900.00 to $12,750.25) = 118%"
    assert fields["*Scope*"] == "tenant=acme, service=chat, tag team=ml"
    assert fields["*Period*"] == "2025-10-01 to 2025-10-31 (Europe/Berlin)"
    assert all(f["type"] == "mrkdwn" for f in facts["fields"]) and len(facts["fields"]) <= 10
    assert "• *Models*: gpt-4o $6,000.00, claude-sonnet-4 $3,240.12" in contributors["text"]["text"]
    elements = [e["text"] for e in context["elements"]]
    assert elements[0] == "Estimated from usage events (not yet billed): 2025-10-28..2025-10-29"
    assert elements[1] == "<https://console.cloud.google.com/bigquery?project=demo-prj|Where to look>"


def test_slack_escapes_control_sequences_and_respects_limits() -> None:
    payload = render_slack(budget_alert(name="<!channel> R&D " + "x" * 200))
    # Slack parses mentions in `text` and in mrkdwn; plain_text (the header) is shown literally.
    parsed = [payload["text"]] + [o["text"] for o in _objects(payload["blocks"]) if o.get("type") == "mrkdwn"]
    assert len(parsed) > 5 and not any("<!channel>" in p for p in parsed)
    assert "&lt;!channel&gt; R&amp;D" in payload["text"]
    header = payload["blocks"][0]["text"]["text"]
    assert len(header) == 150 and header.endswith("...")
    assert all(len(f["text"]) <= 2000 for f in payload["blocks"][1]["fields"])


def test_email_payload_shape() -> None:
    body = render_email(budget_alert(), EMAIL, CONTEXT)
    assert body["personalizations"] == [
        {"to": [{"email": "finops@acme.example.com"}]},
        {"to": [{"email": "cto@acme.example.com"}]},
    ]
    assert body["from"] == {"email": "alerts@acme.example.com", "name": "genai-costs"}
    assert body["subject"].startswith("[genai-costs demo] Budget 'Tenant acme monthly' is at 92.4%")
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    plain = body["content"][0]["value"]
    assert "Spend to date: $9,240.12 = 92.4%" in plain
    assert "Where to look: https://console.cloud.google.com/bigquery?project=demo-prj - demo_prod" in plain
    assert body["custom_args"] == {"alert_id": budget_alert().alert_id, "dedupe_key": CONTEXT.webhook_id}


def test_email_html_escapes_names() -> None:
    html = render_email(budget_alert(name="<script>alert(1)</script>"), EMAIL, CONTEXT)["content"][1]["value"]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_sms_is_short_ascii_and_keeps_the_link() -> None:
    body = render_sms(budget_alert())
    assert body.isascii() and len(body) <= 3 * 153  # three GSM-7 segments
    assert body.startswith("genai-costs demo: Budget 'Tenant acme monthly' is at 92.4% of $10,000.00 (threshold 90%).")
    assert "Top: tenant acme $9,240.12; user ana@acme.example.com $4,100.00; model gpt-4o $6,000.00." in body
    assert body.endswith(" https://console.cloud.google.com/bigquery?project=demo-prj")
    long = render_sms(budget_alert(name="n" * 290))
    assert len(long) <= MAX_BODY_CHARS and long.endswith("project=demo-prj")


@pytest.mark.parametrize(
    "target, sender_field",
    [
        (SMS, ("From", "+15557650002")),
        (
            SmsTarget(secret_id="s", to="+15551230001", messaging_service_sid="MG" + "a" * 32),
            ("MessagingServiceSid", "MG" + "a" * 32),
        ),
    ],
)
def test_sms_form_fields(target: SmsTarget, sender_field: tuple[str, str]) -> None:
    form = render_sms_form(budget_alert(), target)
    assert form == {"To": "+15551230001", "Body": render_sms(budget_alert()), sender_field[0]: sender_field[1]}


def test_envelope_is_standard_webhooks_payload_with_exact_amounts() -> None:
    alert = budget_alert()
    envelope = json.loads(envelope_bytes(alert))
    assert envelope == alert_envelope(alert)
    assert envelope["type"] == "genai_costs.alert.budget_threshold_actual"
    assert envelope["timestamp"] == "2025-10-29T14:05:00Z"
    assert envelope["data"]["budget"]["spend_to_date"] == "9240.123456789"
    assert envelope["data"]["alert_id"] == alert.alert_id


def _objects(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _objects(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _objects(v)
