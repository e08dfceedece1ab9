"""Pay-as-you-go ingestion for one organization, provider and window.

Two phases so that a failure leaves stored data untouched: *fetch* streams every page of
usage and cost into local NDJSON spool files (memory stays flat however long the window),
checking each record; only when the provider has answered completely does *write* replace
the window in the raw tables, each table in one transaction. The ledger records the run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from ..errors import ProviderResponseError
from ..model.messages import PaygMessage
from ..model.record_ids import cost_record_id, usage_record_id
from ..model.records import CostRecord, UsageRecord
from ..model.window import Window
from ..paths import sql_root
from ..providers.base import ProviderClient
from ..providers.registry import build_client
from ..runs.ledger import Run
from ..runs.lifecycle import RunResult, ledgered_run
from ..secrets.base import SecretStore
from ..settings import DEFAULT_TRAILING_DAYS
from ..warehouse.base import Warehouse
from ..warehouse.tables import load_table_specs
from .credentials import load_credentials
from .spool import Spool

ClientFactory = Callable[..., ProviderClient]

_ROW_TYPES: dict[str, Callable[[str], Any]] = {
    "bucket_start": dt.datetime.fromisoformat,
    "ingested_at": dt.datetime.fromisoformat,
    "usage_date": dt.date.fromisoformat,
}


def _check_in_window(record: UsageRecord | CostRecord, window: Window) -> None:
    if not window.start <= record.usage_date < window.end:
        raise ProviderResponseError(
            f"{record.provider} returned data for {record.usage_date}, outside the requested window "
            f"[{window.start}, {window.end})",
            provider=record.provider,
        )


def fetch(client: ProviderClient, run: Run, tmp: Path) -> tuple[Spool, Spool, Spool]:
    usage, quarantine, costs = Spool(tmp / "usage"), Spool(tmp / "quarantine"), Spool(tmp / "costs")
    now = dt.datetime.now(dt.UTC)
    common = {"run_id": run.run_id, "ingested_at": now, "org_slug": run.org_slug}
    seen_bucket: dt.datetime | None = None
    seen_ids: set[str] = set()
    for record in client.iter_usage(run.window):
        _check_in_window(record, run.window)
        rid = usage_record_id(record)
        # Guard against a provider repeating a page: ids repeat only within one bucket.
        if record.bucket_start != seen_bucket:
            seen_bucket, seen_ids = record.bucket_start, set()
        reason = "duplicate of an earlier row in the same bucket" if rid in seen_ids else record.invariant_violation()
        seen_ids.add(rid)
        if reason:
            quarantine.add(
                common
                | {
                    "record_id": rid,
                    "provider": record.provider,
                    "source": record.source,
                    "usage_date": record.usage_date,
                    "reason": reason,
                    "record": record.model_dump(mode="json"),
                }
            )
        else:
            usage.add(common | record.model_dump() | {"record_id": rid})
    for cost in client.iter_costs(run.window):
        _check_in_window(cost, run.window)
        costs.add(common | cost.model_dump() | {"record_id": cost_record_id(cost)})
    return usage, quarantine, costs


def ingest_payg(
    message: PaygMessage,
    *,
    warehouse: Warehouse,
    secrets: SecretStore,
    http: httpx.Client | None = None,
    today: dt.date | None = None,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    trigger_id: str | None = None,
    client_factory: ClientFactory = build_client,
) -> RunResult:
    window = message.window(today or dt.datetime.now(dt.UTC).date(), trailing_days)
    specs = load_table_specs(sql_root())
    prefix = f"genai_payg_{message.provider}"
    with ledgered_run(
        warehouse,
        org_slug=message.org_slug,
        provider=message.provider,
        flow="payg",
        window=window,
        trigger_id=trigger_id,
        unexpected=partial(ProviderResponseError, provider=message.provider),
    ) as run:
        name, creds = load_credentials(secrets, message.org_slug, message.provider)
        client = run.closing(client_factory(message.provider, creds, secret_name=name, http=http))
        with tempfile.TemporaryDirectory(prefix="genai-ingest-") as tmp:
            usage, quarantine, costs = fetch(client, run.run, Path(tmp))
            # Nothing is written until the provider has answered for the whole window.
            for spool, table in ((usage, "usage"), (quarantine, "quarantine"), (costs, "costs")):
                warehouse.replace_window(
                    run.dataset,
                    specs[f"{prefix}_{table}"],
                    spool.rows(_ROW_TYPES),
                    date_field="usage_date",
                    start=window.start,
                    end=window.end,
                )
        run.count(rows_usage=usage.count, rows_costs=costs.count, rows_quarantined=quarantine.count)
    return run.result()
