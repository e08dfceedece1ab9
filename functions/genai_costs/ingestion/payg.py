"""Pay-as-you-go ingestion for one organization, provider and window.

Two phases so that a failure leaves stored data untouched: *fetch* streams every page of
usage and cost into local NDJSON spool files (memory stays flat however long the window),
checking each record; only when the provider has answered completely does *write* replace
the window in usage, quarantine and costs, all three in ONE transaction. The ledger records the run.

Exactly once: a page the provider serves again under a fresh cursor is skipped while paging
(:func:`genai_costs.providers.http.paginate`), and the window write keeps one row per record_id
(:meth:`genai_costs.warehouse.base.Warehouse.replace_windows`): a record served twice lands once. A
record served in two different versions (or once usable and once quarantined) fails the run and
leaves every table as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
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
from ..settings import DEFAULT_FUNCTION_TIMEOUT_SECONDS, DEFAULT_TRAILING_DAYS
from ..warehouse.base import Warehouse, WindowWrite
from ..warehouse.identifiers import bind_identifiers
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs
from .credentials import load_credentials
from .spool import Spool

ClientFactory = Callable[..., ProviderClient]
log = logging.getLogger(__name__)

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
    # Records served more than once are spooled as served: the window write keeps one copy of each
    # record (and refuses differing copies) over the whole window, which no bounded in-memory set can.
    for record in client.iter_usage(run.window):
        _check_in_window(record, run.window)
        rid = usage_record_id(record)
        reason = record.invariant_violation()
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
    run_timeout_seconds: int = DEFAULT_FUNCTION_TIMEOUT_SECONDS,
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
        timeout=dt.timedelta(seconds=run_timeout_seconds),
    ) as run:
        name, creds = load_credentials(secrets, message.org_slug, message.provider)
        client = run.closing(client_factory(message.provider, creds, secret_name=name, http=http))
        with tempfile.TemporaryDirectory(prefix="genai-ingest-") as tmp:
            usage, quarantine, costs = fetch(client, run.run, Path(tmp))
            # Nothing is written until the provider has answered for the whole window; then the
            # three tables are replaced together or not at all.
            writes = {
                table: WindowWrite(specs[f"{prefix}_{table}"], spool.rows(_ROW_TYPES))
                for table, spool in (("usage", usage), ("quarantine", quarantine), ("costs", costs))
            }
            one_table_per_record = bind_identifiers(
                load_statement(sql_root(), "payg_assert_one_table_per_record").parsed(),
                {"usage_staged": writes["usage"].slot, "quarantine_staged": writes["quarantine"].slot},
            )
            run.before_write()
            stored = warehouse.replace_windows(
                run.dataset,
                list(writes.values()),
                date_field="usage_date",
                start=window.start,
                end=window.end,
                checks=[one_table_per_record],
            )
        counts = {table: stored[write.spec.name] for table, write in writes.items()}
        served = usage.count + quarantine.count + costs.count
        if served != sum(counts.values()):
            log.warning(
                "%s: %d rows served more than once were stored once", run.run.describe(), served - sum(counts.values())
            )
        run.count(rows_usage=counts["usage"], rows_costs=counts["costs"], rows_quarantined=counts["quarantine"])
    return run.result()
