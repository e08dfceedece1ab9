"""Per-request ingestion of Bedrock model invocation logs for one organization and window.

    aws_bedrock  -> genai_invocations_aws_bedrock_requests, genai_invocations_aws_bedrock_quarantine
                    (flow "invocations" in the ledger and the lease)

The same two phases as pay-as-you-go (``ingestion.payg``): *fetch* spools every log event of the window
(``FilterLogEvents``, page by page) into local NDJSON, each either a request row or, when the message is
not a usable invocation record, a quarantine row with the reason; only when CloudWatch Logs has answered
for the whole window does *write* replace the window in both tables in ONE transaction.

Exactly once: a log event served twice is stored once (the window write keeps one row per record_id), and
so is one request delivered in two log events with the same content (the first event is kept: a digest
per request id of the window, about 50 bytes each, tells them apart). Two records of one request id that
differ in content refuse the write and leave both tables as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError, ProviderResponseError
from ..model.messages import PaygMessage
from ..model.provider_catalog import provider as catalog_entry
from ..paths import sql_root
from ..providers.aws_bedrock_invocation_logs import BedrockInvocationLogClient, InvocationRecord
from ..providers.http import retry_policy
from ..runs.ledger import Run
from ..runs.lifecycle import RunResult, ledgered_run
from ..secrets.base import SecretStore
from ..settings import DEFAULT_FUNCTION_TIMEOUT_SECONDS, DEFAULT_TRAILING_DAYS
from ..warehouse.base import Warehouse, WindowWrite
from ..warehouse.tables import load_table_specs
from .credentials import load_credentials
from .spool import Spool

FLOW = "invocations"
LogClientFactory = Callable[..., BedrockInvocationLogClient]

_ROW_TYPES: dict[str, Callable[[str], Any]] = {
    "usage_date": dt.date.fromisoformat,
    "ingested_at": dt.datetime.fromisoformat,
    "logged_at": dt.datetime.fromisoformat,
    "occurred_at": dt.datetime.fromisoformat,
}


def tables_for(provider: str) -> tuple[str, str]:
    """(requests table, quarantine table) of a provider with per-request invocation logs."""
    entry = catalog_entry(provider)
    if FLOW not in entry.flows:
        raise ConfigurationError(f"{provider} keeps no per-request invocation logs (only aws_bedrock does)")
    return f"genai_{FLOW}_{provider}_requests", f"genai_{FLOW}_{provider}_quarantine"


def fetch(client: BedrockInvocationLogClient, run: Run, tmp: Path) -> tuple[Spool, Spool]:
    requests, quarantine = Spool(tmp / "requests"), Spool(tmp / "quarantine")
    common = {"run_id": run.run_id, "ingested_at": dt.datetime.now(dt.UTC), "org_slug": run.org_slug}
    seen: dict[str, bytes] = {}  # request record_id -> digest of its content without the delivery fields
    for record in client.iter_invocations(run.window):
        if not run.window.start <= record.usage_date < run.window.end:  # the client checks too; never write outside W
            raise ProviderResponseError(
                f"{run.provider}: invocation log event of {record.usage_date} outside the window", provider=run.provider
            )
        rid = record.record_id()
        row = common | record.model_dump(mode="json") | {"record_id": rid}
        if isinstance(record, InvocationRecord):
            content = record.model_dump(mode="json", exclude={"logged_at", "log_stream", "log_event_id", "usage_date"})
            digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).digest()[:16]
            if seen.get(rid) == digest:
                continue  # the same request delivered again in another log event
            seen[rid] = digest  # a different version is spooled too: the write refuses both
            requests.add(row)
        else:
            quarantine.add(row)
    return requests, quarantine


def ingest_invocation_logs(
    message: PaygMessage,
    *,
    warehouse: Warehouse,
    secrets: SecretStore,
    today: dt.date | None = None,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    trigger_id: str | None = None,
    client_factory: LogClientFactory = BedrockInvocationLogClient.from_secret,
    retry_wait_budget: float | None = None,
    run_timeout_seconds: int = DEFAULT_FUNCTION_TIMEOUT_SECONDS,
) -> RunResult:
    """Replace the window's invocation records of ``message.provider``; the ledger and lease use flow 'invocations'."""
    window = message.window(today or dt.datetime.now(dt.UTC).date(), trailing_days)
    requests_table, quarantine_table = tables_for(message.provider)
    specs = load_table_specs(sql_root())
    with ledgered_run(
        warehouse,
        org_slug=message.org_slug,
        provider=message.provider,
        flow=FLOW,
        window=window,
        trigger_id=trigger_id,
        unexpected=partial(ProviderResponseError, provider=message.provider),
        timeout=dt.timedelta(seconds=run_timeout_seconds),
    ) as run:
        name, creds = load_credentials(secrets, message.org_slug, message.provider)
        client = run.closing(client_factory(creds, secret_name=name, retry=retry_policy(retry_wait_budget)))
        with tempfile.TemporaryDirectory(prefix="genai-invocations-") as tmp:
            requests, quarantine = fetch(client, run.run, Path(tmp))
            writes = [
                WindowWrite(specs[requests_table], requests.rows(_ROW_TYPES)),
                WindowWrite(specs[quarantine_table], quarantine.rows(_ROW_TYPES)),
            ]
            run.before_write()
            stored = warehouse.replace_windows(
                run.dataset, writes, date_field="usage_date", start=window.start, end=window.end
            )
        run.count(rows_usage=stored[requests_table], rows_quarantined=stored[quarantine_table])
    return run.result()
