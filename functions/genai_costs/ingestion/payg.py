"""Pay-as-you-go ingestion for one organization, provider and window.

Two phases so that a failure leaves stored data untouched: *fetch* streams every page of
usage and cost into local NDJSON spool files (memory stays flat however long the window),
checking each record; only when the provider has answered completely does *write* replace
the window in the raw tables, each table in one transaction. The ledger records the run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..errors import ConfigurationError, GenAICostsError, ProviderResponseError, SecretNotFoundError
from ..logs import redact
from ..model.messages import PaygMessage
from ..model.record_ids import cost_record_id, usage_record_id
from ..model.records import CostRecord, UsageRecord
from ..model.window import Window
from ..orgs import dataset_for
from ..paths import sql_root
from ..providers.ids import secret_id
from ..providers.registry import build_client
from ..secrets.base import SecretStore
from ..settings import get_settings
from ..warehouse.base import Warehouse
from ..warehouse.tables import load_table_specs
from .ledger import Run, record_event
from .spool import Spool

log = logging.getLogger(__name__)
ClientFactory = Callable[..., object]


@dataclass(frozen=True)
class RunResult:
    run_id: str
    org_slug: str
    provider: str
    window: Window
    status: str
    rows_usage: int = 0
    rows_costs: int = 0
    rows_quarantined: int = 0
    error: str | None = None


_ROW_TYPES = {
    "bucket_start": dt.datetime.fromisoformat,
    "ingested_at": dt.datetime.fromisoformat,
    "usage_date": dt.date.fromisoformat,
}


def resolve_window(message: PaygMessage, today: dt.date) -> Window:
    if message.start_date and message.end_date:
        return Window(start=message.start_date, end=message.end_date)
    return Window.trailing(today, max(get_settings().trailing_days, 1))


def load_credentials(secrets: SecretStore, org_slug: str, provider: str) -> tuple[str, dict]:
    name = secret_id(org_slug, provider)
    try:
        raw = secrets.get(name)
    except SecretNotFoundError as exc:
        raise ConfigurationError(f"no credentials for {provider}: secret {name} is missing") from exc
    try:
        creds = json.loads(raw)
        if not isinstance(creds, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise ConfigurationError(f"secret {name} must hold a JSON object") from exc
    return name, creds


def _check_in_window(record: UsageRecord | CostRecord, window: Window) -> None:
    if not window.start <= record.usage_date < window.end:
        raise ProviderResponseError(
            f"{record.provider} returned data for {record.usage_date}, outside the requested window "
            f"[{window.start}, {window.end})",
            provider=record.provider,
        )


def fetch(client, run: Run, tmp: Path) -> tuple[Spool, Spool, Spool]:
    usage, quarantine, costs = Spool(tmp / "usage"), Spool(tmp / "quarantine"), Spool(tmp / "costs")
    now = dt.datetime.now(dt.UTC)
    common = {"run_id": run.run_id, "ingested_at": now, "org_slug": run.org_slug}
    seen_bucket, seen_ids = None, set()
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
    trigger_id: str | None = None,
    client_factory: ClientFactory = build_client,
) -> RunResult:
    dataset = dataset_for(message.org_slug)
    if not warehouse.dataset_exists(dataset):
        raise ConfigurationError(f"organization {message.org_slug} is not onboarded (no dataset {dataset})")
    window = resolve_window(message, today or dt.datetime.now(dt.UTC).date())
    run = Run(message.org_slug, message.provider, "payg", window, trigger_id)
    record_event(warehouse, dataset, run.event("started"))
    specs = load_table_specs(sql_root())
    prefix = f"genai_payg_{message.provider}"
    try:
        name, creds = load_credentials(secrets, message.org_slug, message.provider)
        client = client_factory(message.provider, creds, secret_name=name, http=http)
        with tempfile.TemporaryDirectory(prefix="genai-ingest-") as tmp:
            usage, quarantine, costs = fetch(client, run, Path(tmp))
            # Nothing is written until the provider has answered for the whole window.
            for spool, table in ((usage, "usage"), (quarantine, "quarantine"), (costs, "costs")):
                warehouse.replace_window(
                    dataset,
                    specs[f"{prefix}_{table}"],
                    spool.rows(_ROW_TYPES),
                    date_field="usage_date",
                    start=window.start,
                    end=window.end,
                )
    except Exception as exc:
        error = redact(str(exc))
        record_event(warehouse, dataset, run.event("failed", error=error, error_kind=type(exc).__name__))
        log.error(
            "payg run %s for %s/%s %s..%s failed: %s",
            run.run_id,
            message.org_slug,
            message.provider,
            window.start,
            window.end,
            error,
        )
        if isinstance(exc, GenAICostsError):
            raise
        raise ProviderResponseError(
            f"unexpected failure: {type(exc).__name__}: {error}", provider=message.provider
        ) from exc
    record_event(
        warehouse,
        dataset,
        run.event("succeeded", rows_usage=usage.count, rows_costs=costs.count, rows_quarantined=quarantine.count),
    )
    log.info(
        "payg run %s for %s/%s %s..%s: %d usage, %d cost, %d quarantined rows",
        run.run_id,
        message.org_slug,
        message.provider,
        window.start,
        window.end,
        usage.count,
        costs.count,
        quarantine.count,
    )
    return RunResult(
        run.run_id, message.org_slug, message.provider, window, "succeeded", usage.count, costs.count, quarantine.count
    )
