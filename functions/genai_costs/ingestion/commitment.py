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
import logging
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx

from ..errors import ConfigurationError, GenAICostsError, ProviderResponseError
from ..logs import redact
from ..messages import CommitmentMessage
from ..model.provider_catalog import commitment_type as catalog_commitment_type
from ..orgs import dataset_for
from ..paths import sql_root
from ..providers.commitments import COMMITMENT_PROVIDERS, Subscription, build_commitment_source
from ..secrets.base import SecretStore
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs
from .commitment_records import CapacityHour, GpuHour
from .ledger import Run, record_event
from .payg import RunResult, load_credentials, resolve_window
from .spool import Spool

log = logging.getLogger(__name__)
SourceFactory = Callable[..., object]

_ROW_TYPES = {
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


def fetch(source, run: Run, tmp: Path) -> Spool:
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
    trigger_id: str | None = None,
    client_factory: SourceFactory = build_commitment_source,
    options: dict | None = None,
) -> RunResult:
    dataset = dataset_for(message.org_slug)
    if not warehouse.dataset_exists(dataset):
        raise ConfigurationError(f"organization {message.org_slug} is not onboarded (no dataset {dataset})")
    kind = message.commitment_type
    provider = COMMITMENT_PROVIDERS[kind]
    flow, table = table_for(kind)
    window = resolve_window(message, today or dt.datetime.now(dt.UTC).date())
    run = Run(message.org_slug, kind, flow, window, trigger_id)
    record_event(warehouse, dataset, run.event("started"))
    spec = load_table_specs(sql_root())[table]
    source = None
    try:
        subscriptions = load_subscriptions(warehouse, dataset, provider, kind) if kind != "vertex_gpu" else []
        name, creds = load_credentials(secrets, message.org_slug, provider)
        source = client_factory(kind, creds, secret_name=name, subscriptions=subscriptions, http=http, options=options)
        with tempfile.TemporaryDirectory(prefix="genai-commitment-") as tmp:
            spool = fetch(source, run, Path(tmp))
            # Nothing is written until the provider and the configuration answered for the whole window.
            warehouse.replace_window(
                dataset, spec, spool.rows(_ROW_TYPES), date_field="usage_date", start=window.start, end=window.end
            )
    except Exception as exc:
        error = redact(str(exc))
        record_event(warehouse, dataset, run.event("failed", error=error, error_kind=type(exc).__name__))
        log.error(
            "%s run %s for %s/%s %s..%s failed: %s",
            flow,
            run.run_id,
            message.org_slug,
            kind,
            window.start,
            window.end,
            error,
        )
        if isinstance(exc, GenAICostsError):
            raise
        raise ProviderResponseError(f"unexpected failure: {type(exc).__name__}: {error}", provider=provider) from exc
    finally:
        if source is not None and hasattr(source, "close"):
            source.close()
    record_event(warehouse, dataset, run.event("succeeded", rows_usage=spool.count))
    log.info(
        "%s run %s for %s/%s %s..%s: %d rows",
        flow,
        run.run_id,
        message.org_slug,
        kind,
        window.start,
        window.end,
        spool.count,
    )
    return RunResult(run.run_id, message.org_slug, kind, window, "succeeded", spool.count)
