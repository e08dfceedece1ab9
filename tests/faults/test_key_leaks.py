"""Class 4 of issue 10, key leaks: a provider error body that echoes the API key, in any encoding a
key takes in an echo and cut anywhere, never brings 8 or more consecutive characters of the key into
the ledger or the log lines (pieces that read as plain lower-case text excepted: genai_costs.redaction
says why).

A property test: random keys, echoed at random positions (before, across and after the excerpt the
error keeps), in random encodings (raw, URL-encoded with quote and quote_plus, JSON-escaped, base64,
URL-safe base64, an HTTP Basic authorization value) and cut at random lengths, go through the real
path: the deployed ingest_payg entry point reads the key from the secret store, the OpenAI client
calls a local provider that answers the echo, the run fails, the ledger row and the JSON log lines
are written. Both are then searched for every 8-character piece of the echoed key.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import string
from contextlib import redirect_stdout
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .edge_support import (
    CraftedServer,
    deliver,
    function_client,
    ledger,
    onboard_org,
    openai_secret,
    payg_message,
    pubsub_event,
    store_secret,
)

ORG = "acme"
PIECE = 8  # the longest run of a key's characters allowed to survive: PIECE - 1
BASIC_USER = "user:"
KEY_ALPHABET = string.ascii_letters + string.digits + '-_+/=.~%"\\ :'
FILLER = st.text(alphabet=string.ascii_lowercase + " ,.()", max_size=600)


def encodings(key: str) -> dict[str, tuple[str, int]]:
    """Each form a key takes in an echo, with how many leading characters of it do not come from the key."""
    raw = key.encode()
    basic = base64.b64encode(BASIC_USER.encode() + raw).decode()
    return {
        "raw": (key, 0),
        "quote": (quote(key, safe=""), 0),
        "quote-default": (quote(key), 0),
        "quote_plus": (quote_plus(key), 0),
        "json": (json.dumps(key)[1:-1], 0),
        "json-ascii-slash": (json.dumps(key)[1:-1].replace("/", "\\/"), 0),
        "base64": (base64.b64encode(raw).decode(), 0),
        "base64url": (base64.urlsafe_b64encode(raw).decode().rstrip("="), 0),
        "basic-auth": ("Basic " + basic, len("Basic ") + math.ceil(len(BASIC_USER) * 8 / 6)),
    }


@dataclass
class Echo:
    status: int = 400
    body: bytes = b""


@pytest.fixture
def provider(onboarded_copy):
    onboard_org(onboarded_copy, ORG)
    echo = Echo()
    server = CraftedServer(lambda _request: (echo.status, {"Content-Type": "text/plain"}, echo.body))
    with server.running():
        yield server, echo


def pieces(text: str) -> set[str]:
    every = {text[i : i + PIECE] for i in range(len(text) - PIECE + 1)}
    return {p for p in every if not re.fullmatch(r"[a-z\-_.:/ ]+", p)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.text(alphabet=KEY_ALPHABET, min_size=16, max_size=72),
    encoding=st.sampled_from(sorted(encodings("x"))),
    before=FILLER,
    after=FILLER,
    cut=st.floats(min_value=0.0, max_value=1.0),
    status=st.sampled_from([400, 404, 409, 422]),
)
# The two echoes that leaked before: a raw key across the 300-character excerpt, a URL-encoded key whole.
@example(key="sk-admin-LEAKED0123456789abcdefABCDEF", encoding="raw", before="x" * 280, after="", cut=1.0, status=400)
@example(key="sk-admin/LEAKED+0123456789=abc", encoding="quote", before="bad key ", after="", cut=1.0, status=400)
def test_an_echoed_key_never_reaches_the_ledger_or_the_logs(provider, key, encoding, before, after, cut, status):
    server, echo = provider
    form, foreign = encodings(key)[encoding]
    fragment = form[: max(PIECE + foreign, round(cut * len(form)))]  # a provider may cut its own echo
    echo.status, echo.body = status, (before + fragment + after).encode()
    store_secret(ORG, "openai", openai_secret(server.url, key=key))

    event = pubsub_event(payg_message(ORG))
    logs = io.StringIO()
    with redirect_stdout(logs):
        assert deliver(function_client("ingest_payg"), event) == 200  # a 4xx is permanent: acknowledged
    [failed] = [r for r in ledger(ORG) if r["trigger_id"] == event["id"] and r["status"] == "failed"]
    assert f"HTTP {status}" in failed["error"]  # the run really met the echo
    assert "failed" in logs.getvalue()

    secret_part = fragment[foreign:]
    for where, text in (("ledger", failed["error"]), ("logs", logs.getvalue())):
        leaked = sorted(p for p in pieces(secret_part) if p in text)
        assert not leaked, f"{where} holds pieces of the {encoding} echo: {leaked[:3]}"
