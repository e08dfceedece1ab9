"""Commitment and infrastructure ingestion for one organization, commitment type and window.

    azure_ptu, bedrock_pt, vertex_gsu  -> genai_commitment_{provider}_capacity   (flow "commitment")
    vertex_gpu                         -> genai_infrastructure_vertex_ai_gpu     (flow "infrastructure")

Same two phases as pay-as-you-go (``ingestion.payg``): *fetch* reads the organization's enabled
``llm_subscriptions`` rows of the commitment type and the provider, checking each record (inside the
window, one row per commitment and hour) into a local NDJSON spool; only when the provider and the
configuration have answered completely does *write* replace the window in the raw table, in one
transaction. A configuration gap (e.g. a Bedrock provisioned model without a price) fails the run
before anything is written. The ledger (``genai_ingestion_runs``) records the run with
``provider`` = the commitment type.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from ..errors import ProviderResponseError
from ..model.commitment_records import CapacityHour, GpuHour
from ..model.messages import CommitmentMessage
from ..model.provider_catalog import commitment_type as catalog_commitment_type
from ..model.subscriptions import Subscription
from ..paths import sql_root
from ..providers.commitments.base import CommitmentSource
from ..providers.commitments.registry import COMMITMENT_PROVIDERS, build_commitment_source
from ..runs.ledger import Run
from ..runs.lifecycle import RunResult, ledgered_run
from ..secrets.base import SecretStore
from ..settings import DEFAULT_FUNCTION_TIMEOUT_SECONDS, DEFAULT_TRAILING_DAYS
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs
from .credentials import load_credentials
from .spool import Spool

SourceFactory = Callable[..., CommitmentSource]

_ROW_TYPES: dict[str, Callable[[str], Any]] = {
    "hour_start": dt.datetime.fromisoformat,
    "ingested_at": dt.datetime.fromisoformat,
    "commitment_start": dt.datetime.fromisoformat,
    "commitment_end": dt.datetime.fromisoformat,
    "usage_date": dt.date.fromisoformat,
    **dict.fromkeys(
        (
            "active_fraction",
            "provisioned_units",
            "utilization",
            "hourly_unit_price_usd",
            "replica_hours",
            "gpu_hours",
            "hourly_rate_usd",
            "provider_cost_usd",
        ),
        Decimal,
    ),
}


def table_for(commitment_type: str) -> tuple[str, str]:
    """(flow, raw table name) of a commitment type, from the provider catalog."""
    entry = catalog_commitment_type(commitment_type)
    return entry.flow, entry.raw_table


def load_subscriptions(warehouse: Warehouse, dataset: str, provider: str, commitment_type: str) -> list[Subscription]:
    rows = warehouse.query(
        dataset,
        load_statement(sql_root(), "commitment_subscriptions"),
        {"provider": provider, "commitment_type": commitment_type},
    )
    return [Subscription.model_validate(r) for r in rows]


def fetch(source: CommitmentSource, run: Run, tmp: Path) -> Spool:
    spool = Spool(tmp / "hours")
    now = dt.datetime.now(dt.UTC)
    common = {"run_id": run.run_id, "ingested_at": now, "org_slug": run.org_slug}
    seen: set[str] = set()
    for record in source.iter_hours(run.window):
        if not isinstance(record, (CapacityHour, GpuHour)):
            raise TypeError(f"{type(source).__name__} yielded {type(record).__name__}")
        if not run.window.start <= record.usage_date < run.window.end:
            raise ProviderResponseError(
                f"{run.provider}: record for {record.hour_start.isoformat()} outside the window "
                f"[{run.window.start}, {run.window.end})",
                provider=record.provider,
            )
        rid = record.record_id()
        if rid in seen:
            raise ProviderResponseError(
                f"{run.provider}: two records for the same commitment and hour ({record.hour_start.isoformat()})",
                provider=record.provider,
            )
        seen.add(rid)
        spool.add(common | record.model_dump() | {"record_id": rid})
    return spool


def ingest_commitment(
    message: CommitmentMessage,
    *,
    warehouse: Warehouse,
    secrets: SecretStore,
    http: httpx.Client | None = None,
    today: dt.date | None = None,
    trailing_days: int = DEFAULT_TRAILING_DAYS,
    trigger_id: str | None = None,
    client_factory: SourceFactory = build_commitment_source,
    options: dict[str, Any] | None = None,
    run_timeout_seconds: int = DEFAULT_FUNCTION_TIMEOUT_SECONDS,
) -> RunResult:
    kind = message.commitment_type
    provider = COMMITMENT_PROVIDERS[kind]
    flow, table = table_for(kind)
    window = message.window(today or dt.datetime.now(dt.UTC).date(), trailing_days)
    spec = load_table_specs(sql_root())[table]
    # The ledger's provider column holds the commitment type for these flows.
    with ledgered_run(
        warehouse,
        org_slug=message.org_slug,
        provider=kind,
        flow=flow,
        window=window,
        trigger_id=trigger_id,
        unexpected=partial(ProviderResponseError, provider=provider),
        timeout=dt.timedelta(seconds=run_timeout_seconds),
    ) as run:
        subscriptions = load_subscriptions(warehouse, run.dataset, provider, kind) if kind != "vertex_gpu" else []
        name, creds = load_credentials(secrets, message.org_slug, provider)
        source = run.closing(
            client_factory(kind, creds, secret_name=name, subscriptions=subscriptions, http=http, options=options)
        )
        with tempfile.TemporaryDirectory(prefix="genai-commitment-") as tmp:
            spool = fetch(source, run.run, Path(tmp))
            # Nothing is written until the provider and the configuration answered for the whole window.
            run.before_write()
            warehouse.replace_window(
                run.dataset, spec, spool.rows(_ROW_TYPES), date_field="usage_date", start=window.start, end=window.end
            )
        run.count(rows_usage=spool.count)
    return run.result()
