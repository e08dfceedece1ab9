"""``genai-costs prices ...`` and ``genai-costs plans ...``: the price catalog's sync, its review, and an
organization's own prices and plans, on either backend (GENAI_COSTS_GCP_PROJECT selects BigQuery)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import typer
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.table import Table

from genai_costs.errors import GenAICostsError, ValidationError
from genai_costs.pricing.catalog_api import (
    CatalogApi,
    Change,
    CreatePrice,
    CreateSubscription,
    Kind,
    ListRequest,
    RowRequest,
    UpdatePrice,
    UpdateSubscription,
    public,
)
from genai_costs.pricing.corrections import RepriceResult, reprice
from genai_costs.pricing.preview import PreviewLine, preview_change
from genai_costs.pricing.report import SyncReport
from genai_costs.pricing.store import CatalogStore
from genai_costs.pricing.sync import (
    ReviewDecision,
    ReviewRequest,
    ReviewResult,
    SyncRequest,
    default_actor,
    review,
    run_sync,
)
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse

prices_app = typer.Typer(
    no_args_is_help=True,
    help="The price catalog: sync, review, custom prices.",
    epilog="Examples: genai-costs prices sync demo   |   genai-costs prices list demo openai",
)
review_app = typer.Typer(
    no_args_is_help=True,
    help="Proposals the sync could not settle: list, accept, reject.",
    epilog="Example: genai-costs prices review list demo --kind disagreement",
)
plans_app = typer.Typer(
    no_args_is_help=True,
    help="Subscription plans and commitments (llm_subscriptions).",
    epilog="Example: genai-costs plans list demo gemini",
)
prices_app.add_typer(review_app, name="review")
console = Console(width=160) if not sys.stdout.isatty() else Console()

Use = Literal["genai-prices", "litellm", "manual"]


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _describe(exc: PydanticValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def print_reprice(result: RepriceResult) -> None:
    """What a price change did to costs already computed."""
    if result.days is None:
        console.print("no usage priced by the changed rows: nothing re-priced")
        return
    for w in result.repriced:
        console.print(f"re-priced open days {w.start}..{w.end} (exclusive) in place")
    for w in result.corrected:
        console.print(f"closed days {w.start}..{w.end} kept; corrections billed in {result.billing_period_start:%Y-%m}")
    if result.corrected:
        console.print(f"{result.corrections_written} correction row(s) written (ChargeClass 'Correction')")


def _reprice_changed(wh: Any, org_slug: str, report: SyncReport) -> RepriceResult | None:
    """Re-price (open months) and correct (closed months) after the rows a sync or review wrote."""
    ids = {i for c in report.changes for i in (c.pricing_id, c.previous_pricing_id) if i}
    if not ids:
        return None
    rows = [r for r in CatalogStore(wh, org_slug).pricing_rows() if r["pricing_id"] in ids]
    return reprice(wh, org_slug, rows)


# -- sync -----------------------------------------------------------------------------------------------


def print_sync_report(report: SyncReport, *, details: int) -> None:
    mode = " (dry run: nothing written)" if report.dry_run else ""
    sources = ", ".join(f"{k} {v}" for k, v in report.sources.items())
    console.print(f"Price sync of {report.org_slug} on {report.as_of} from {sources}{mode}")
    summary = Table("", "count", title="What the sync did")
    for label, value in (
        ("price keys compared", report.keys_compared),
        ("new rows: models the catalog did not price", report.new_models),
        ("new rows: corrections (the previous row gets an end date)", report.corrections),
        ("proposals raised", report.proposals_raised),
        ("proposals superseded (sources changed or agree now)", report.proposals_superseded),
        ("proposals pending review", report.proposals_pending),
        ("rates the two sources disagree on", report.disagreement_count),
        ("catalog rates backed by neither source (with a reason)", len(report.deviations)),
    ):
        summary.add_row(label, f"{value:,}")
    console.print(summary)
    coverage = Table("", "before", "after", title="Coverage of the current chat/embedding models both sources list")
    b, a = report.coverage_before, report.coverage_after
    coverage.add_row(
        "models",
        f"{b.models_priced}/{b.models} ({b.model_share_percent} %)",
        f"{a.models_priced}/{a.models} ({a.model_share_percent} %)",
    )
    coverage.add_row(
        "model ids",
        f"{b.ids_priced}/{b.ids} ({b.id_share_percent} %)",
        f"{a.ids_priced}/{a.ids} ({a.id_share_percent} %)",
    )
    console.print(coverage)
    corrections = [c for c in report.changes if c.kind == "correction"]
    if corrections:
        table = Table("key", "from", "rate", "before", "after", "why", title="Corrections (new rows; history kept)")
        for c in corrections[:details]:
            key = "/".join(x for x in (c.provider, c.model_id, c.region, c.service_tier) if x)
            for r in c.rates:
                table.add_row(key, str(c.effective_date), r.column, _text(r.before), _text(r.after), r.basis[:60])
        console.print(table)
    if report.deviation_reasons:
        reasons = Table("reason", "rates", title="Catalog rates that agree with neither source")
        for reason, count in sorted(report.deviation_reasons.items(), key=lambda x: -x[1]):
            reasons.add_row(reason, str(count))
        console.print(reasons)
    if report.coverage_after.unpriced_models:
        console.print(
            "still unpriced (sources disagree): " + ", ".join(report.coverage_after.unpriced_models[:details])
        )


@prices_app.command(
    "sync",
    epilog="Examples: genai-costs prices sync demo --dry-run   |   genai-costs prices sync demo --json sync.json",
)
def sync_cmd(
    org_slug: str,
    as_of: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Sync date (default today, UTC)"),
    dry_run: bool = typer.Option(False, help="Plan and report only; write nothing"),
    details: int = typer.Option(40, min=0, help="Rows shown per detail table"),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the full report as JSON here"),
    reprice_past: bool = typer.Option(True, "--reprice/--no-reprice", help="Re-price past days the new rows cover"),
) -> None:
    """Sync the catalog with the pinned public sources: agreement within 1 % is written as new rows."""
    try:
        request = SyncRequest(org_slug=org_slug, as_of=as_of.date() if as_of else None, dry_run=dry_run)
        with open_warehouse(get_settings()) as wh:
            report = run_sync(wh, request)
            repriced = None if dry_run or not reprice_past else _reprice_changed(wh, org_slug, report)
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    print_sync_report(report, details=details)
    if repriced is not None:
        print_reprice(repriced)
    if json_out:
        json_out.write_text(report.model_dump_json(indent=2))
        console.print(f"full report: {json_out}")


# -- review ---------------------------------------------------------------------------------------------


def _proposals(org_slug: str) -> list[dict[str, Any]]:
    with open_warehouse(get_settings()) as wh:
        return CatalogStore(wh, org_slug).proposals()


def _matching(
    rows: list[dict[str, Any]],
    status: str | None,
    provider: str | None,
    kind: str | None,
    column: str | None,
    model: str | None,
) -> list[dict[str, Any]]:
    return [
        p
        for p in rows
        if (status is None or p["status"] == status)
        and (provider is None or p["provider"] == provider)
        and (kind is None or p["kind"] == kind)
        and (column is None or p["rate_column"] == column)
        and (model is None or model in p["model_id"])
    ]


@review_app.command("list", epilog="Example: genai-costs prices review list demo --provider openai --kind disagreement")
def review_list(
    org_slug: str,
    status: str = typer.Option("pending", help="pending, accepted, rejected or superseded"),
    provider: str | None = typer.Option(None),
    kind: str | None = typer.Option(None, help="disagreement or single_source"),
    column: str | None = typer.Option(None, help="e.g. input_price_per_1k"),
    model: str | None = typer.Option(None, help="part of the model id"),
    limit: int = typer.Option(50, min=1),
) -> None:
    """Proposals, disagreements first."""
    try:
        rows = _matching(_proposals(org_slug), status, provider, kind, column, model)
    except GenAICostsError as exc:
        _fail(exc)
    rows.sort(key=lambda p: (p["kind"] != "disagreement", p["provider"], p["model_id"], p["rate_column"]))
    table = Table(
        "proposal", "key", "rate", "catalog", "genai-prices", "LiteLLM", "kind", title=f"{len(rows)} proposals"
    )
    for p in rows[:limit]:
        key = "/".join(x for x in (p["provider"], p["model_id"], p["region"], p["service_tier"]) if x)
        table.add_row(
            p["proposal_id"],
            key,
            p["rate_column"],
            _text(p["current_value"]),
            _text(p["genai_prices_value"]),
            _text(p["litellm_value"]),
            p["kind"],
        )
    console.print(table)


def _decide(
    org_slug: str,
    ids: list[str],
    action: Literal["accept", "reject"],
    *,
    use: Use | None,
    value: str | None,
    reason: str | None,
    actor: str | None,
    filters: dict[str, str | None],
    dry_run: bool,
) -> ReviewResult:
    if not ids and not any(filters.values()):
        raise ValidationError("name proposal ids, or select them with --provider / --kind / --column / --model")
    if not ids:
        ids = [p["proposal_id"] for p in _matching(_proposals(org_slug), "pending", **filters)]
        if not ids:
            raise ValidationError("no pending proposal matches the filters")
    try:
        amount = Decimal(value) if value is not None else None
        decisions = [
            ReviewDecision(proposal_id=pid, action=action, use=use, value=amount, reason=reason) for pid in ids
        ]
        request = ReviewRequest(org_slug=org_slug, decisions=decisions, actor=actor or default_actor(), dry_run=dry_run)
    except PydanticValidationError as exc:
        raise ValidationError(_describe(exc)) from exc
    except ArithmeticError as exc:
        raise ValidationError(f"--value {value!r} is not a number") from exc
    with open_warehouse(get_settings()) as wh:
        result = review(wh, request)
        if action == "accept" and not dry_run:
            repriced = _reprice_changed(wh, org_slug, result.report)
            if repriced is not None:
                print_reprice(repriced)
        return result


def _filters(provider: str | None, kind: str | None, column: str | None, model: str | None) -> dict[str, str | None]:
    return {"provider": provider, "kind": kind, "column": column, "model": model}


@review_app.command(
    "accept",
    epilog="Example: genai-costs prices review accept demo --provider openai --model o9-mini --use genai-prices "
    "--reason 'OpenAI price list'",
)
def review_accept(
    org_slug: str,
    proposal_ids: list[str] = typer.Argument(None, help="Proposal ids (or select with the filters)"),
    use: str | None = typer.Option(None, help="genai-prices, litellm or manual (with --value)"),
    value: str | None = typer.Option(None, help="With --use manual: the value, in the column's unit"),
    reason: str | None = typer.Option(None, help="Kept with the decision and in the audit row"),
    actor: str | None = typer.Option(None, help="Who decides (default cli:<os user>)"),
    provider: str | None = typer.Option(None),
    kind: str | None = typer.Option(None),
    column: str | None = typer.Option(None),
    model: str | None = typer.Option(None),
    dry_run: bool = typer.Option(False, help="Show what accepting would write; write nothing"),
) -> None:
    """Accept proposals: the chosen value becomes a new effective-dated row (history kept)."""
    try:
        if use not in (None, "genai-prices", "litellm", "manual"):
            raise ValidationError("--use must be genai-prices, litellm or manual")
        result = _decide(
            org_slug,
            proposal_ids or [],
            "accept",
            use=use,  # type: ignore[arg-type]  # checked above
            value=value,
            reason=reason,
            actor=actor,
            filters=_filters(provider, kind, column, model),
            dry_run=dry_run,
        )
    except GenAICostsError as exc:
        _fail(exc)
    console.print(f"{len(result.decided)} proposal(s) accepted" + (" (dry run)" if dry_run else ""))
    print_sync_report(result.report, details=40)


@review_app.command(
    "reject", epilog="Example: genai-costs prices review reject demo PROPOSAL_ID --reason 'not this model'"
)
def review_reject(
    org_slug: str,
    proposal_ids: list[str] = typer.Argument(None, help="Proposal ids (or select with the filters)"),
    reason: str = typer.Option(..., help="Why (required: it documents the catalog's value)"),
    actor: str | None = typer.Option(None),
    provider: str | None = typer.Option(None),
    kind: str | None = typer.Option(None),
    column: str | None = typer.Option(None),
    model: str | None = typer.Option(None),
    dry_run: bool = typer.Option(False),
) -> None:
    """Reject proposals: the catalog keeps its value, documented by the rejection."""
    try:
        result = _decide(
            org_slug,
            proposal_ids or [],
            "reject",
            use=None,
            value=None,
            reason=reason,
            actor=actor,
            filters=_filters(provider, kind, column, model),
            dry_run=dry_run,
        )
    except GenAICostsError as exc:
        _fail(exc)
    console.print(f"{len(result.decided)} proposal(s) rejected" + (" (dry run)" if dry_run else ""))


@prices_app.command(
    "diff",
    epilog="Examples: genai-costs prices diff demo --accept PROPOSAL_ID   |   "
    "genai-costs prices diff demo --provider openai --row PRICING_ID --file change.json",
)
def diff_cmd(
    org_slug: str,
    accept: list[str] = typer.Option(None, help="Proposal ids to accept hypothetically (repeatable)"),
    use: str | None = typer.Option(None, help="For --accept: genai-prices or litellm"),
    provider: str | None = typer.Option(None, help="With --file: the provider of a custom price change"),
    row: str | None = typer.Option(None, help="With --file: the custom row to change (PATCH); without: a new row"),
    file: Path | None = typer.Option(None, help="JSON of the custom row change (as for prices update / add)"),
    details: int = typer.Option(40, min=0),
) -> None:
    """What a sync, accepting proposals, or a custom price change would do, before it is applied: the catalog
    rows before and after, and the cost of past usage per provider, model and month (open months are
    re-priced in place, closed months get Correction rows). Only the preview's own results are stored."""
    try:
        with open_warehouse(get_settings()) as wh:
            if file is not None:
                if provider is None:
                    raise ValidationError("--file needs --provider (and --row to change an existing custom row)")
                planned = _planned_custom_change(wh, org_slug, provider, row, _body(file))
                report = None
            elif accept:
                if use not in (None, "genai-prices", "litellm"):
                    raise ValidationError("--use must be genai-prices or litellm")
                decisions = [ReviewDecision(proposal_id=p, action="accept", use=use) for p in accept]  # type: ignore[arg-type]
                report = review(
                    wh, ReviewRequest(org_slug=org_slug, decisions=decisions, actor=default_actor(), dry_run=True)
                ).report
                planned = report.pricing_rows
            else:
                report = run_sync(wh, SyncRequest(org_slug=org_slug, dry_run=True))
                planned = report.pricing_rows
            lines = preview_change(wh, org_slug, planned) if planned else []
    except (GenAICostsError, ValueError) as exc:
        _fail(exc)
    if report is not None:
        _print_row_changes(report, details)
    else:
        for r in planned:
            console.print_json(json.dumps(public(r), default=str))
    print_preview(lines, details)


def _planned_custom_change(
    wh: Any, org_slug: str, provider: str, row_id: str | None, body: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rows ``prices add`` / ``prices update`` would write, validated, without writing them."""
    api = CatalogApi(wh, org_slug, dry_run=True)
    payload = {**body, "org_slug": org_slug, "provider": provider, "actor": default_actor()}
    if row_id is None:
        api.create("pricing", _model(CreatePrice, payload))
    else:
        api.update("pricing", _model(UpdatePrice, {**payload, "row_id": row_id}))
    return api.planned


def _print_row_changes(report: SyncReport, details: int) -> None:
    table = Table(
        "key", "row", "valid", "rate", "before", "after", title=f"{len(report.changes)} row(s) would be written"
    )
    for change in report.changes[:details]:
        key = "/".join(x for x in (change.provider, change.model_id, change.region, change.service_tier) if x)
        if change.previous_pricing_id:
            table.add_row(key, change.previous_pricing_id, f"ends {change.previous_end_date}", "", "", "")
        for rate in change.rates:
            table.add_row(
                key,
                change.pricing_id,
                f"from {change.effective_date}",
                rate.column,
                _text(rate.before),
                _text(rate.after),
            )
    console.print(table)


def print_preview(lines: list[PreviewLine], details: int) -> None:
    """Cost of past usage per provider, model and month: today, after the change, and how it would land."""
    if not lines:
        console.print("past usage: no cost would change")
        return
    table = Table(
        "provider", "model", "month", "old cost", "new cost", "difference", "rows", "effect",
        title="Past usage: what the change would do (USD)",
    )  # fmt: skip
    for line in lines[:details]:
        table.add_row(
            line.provider,
            line.model or "-",
            f"{line.month:%Y-%m}",
            _text(line.old_cost_usd),
            _text(line.new_cost_usd),
            _text(line.difference_usd),
            str(line.rows_changed),
            line.effect,
        )
    total = sum((line.difference_usd for line in lines), Decimal(0))
    console.print(table)
    console.print(f"total difference: {_text(total)} USD over {len(lines)} provider/model/month(s)")


# -- custom prices and plans ------------------------------------------------------------------------------


def _body(file: Path | None) -> dict[str, Any]:
    raw = file.read_bytes() if file else sys.stdin.buffer.read()
    try:
        body = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise ValidationError(f"not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValidationError("the row must be a JSON object")
    return body


def _model(model: type[BaseModel], payload: dict[str, Any]) -> Any:
    try:
        return model.model_validate(payload)
    except PydanticValidationError as exc:
        raise ValidationError(_describe(exc)) from exc


def _print_change(change: Change) -> None:
    console.print(f"{change.action}")
    console.print_json(json.dumps(change.row, default=str))


def _reprice_change(wh: Any, org_slug: str, kind: Kind, change: Change) -> None:
    """A price row created, corrected, versioned or disabled re-prices the past days it covers (open
    months in place, closed months by correction rows). Plan changes are re-priced by consolidation."""
    if kind != "pricing" or change.action == "unchanged":
        return
    rows = [r for r in (change.previous, change.row) if r is not None]
    stored = {r["pricing_id"]: r for r in CatalogStore(wh, org_slug).pricing_rows(change.row["provider"])}
    print_reprice(reprice(wh, org_slug, [stored.get(r["pricing_id"], r) for r in rows]))


def _crud(kind: Kind) -> typer.Typer:
    noun = "price" if kind == "pricing" else "plan"
    create_model = CreatePrice if kind == "pricing" else CreateSubscription
    update_model = UpdatePrice if kind == "pricing" else UpdateSubscription
    sub = prices_app if kind == "pricing" else plans_app

    cmd = f"genai-costs {'prices' if kind == 'pricing' else 'plans'}"

    @sub.command("add", epilog=f"Example: {cmd} add demo openai --file {noun}.json")
    def add(
        org_slug: str,
        provider: str,
        file: Path | None = typer.Option(None, help="JSON row; default: stdin"),
        reason: str | None = typer.Option(None),
        actor: str | None = typer.Option(None),
    ) -> None:
        try:
            payload = {**_body(file), "org_slug": org_slug, "provider": provider, "actor": actor or default_actor()}
            request = _model(create_model, {**payload, "reason": reason})
            with open_warehouse(get_settings()) as wh:
                change = CatalogApi(wh, org_slug).create(kind, request)
                _print_change(change)
                _reprice_change(wh, org_slug, kind, change)
        except GenAICostsError as exc:
            _fail(exc)

    add.__doc__ = f"Add a custom {noun} row (JSON with the seed's fields; is_custom, audited)."

    @sub.command("update", epilog=f"Example: {cmd} update demo openai ID --file change.json")
    def update(
        org_slug: str,
        provider: str,
        row_id: str,
        file: Path | None = typer.Option(None, help="JSON with the fields to change; default: stdin"),
        replace: bool = typer.Option(False, help="Replace every field (fields not given are cleared)"),
        reason: str | None = typer.Option(None),
        actor: str | None = typer.Option(None),
    ) -> None:
        try:
            payload = {**_body(file), "org_slug": org_slug, "provider": provider, "row_id": row_id}
            request = _model(
                update_model, {**payload, "actor": actor or default_actor(), "replace": replace, "reason": reason}
            )
            with open_warehouse(get_settings()) as wh:
                change = CatalogApi(wh, org_slug).update(kind, request)
                _print_change(change)
                _reprice_change(wh, org_slug, kind, change)
        except GenAICostsError as exc:
            _fail(exc)

    update.__doc__ = f"Change a custom {noun} row; a later effective_date makes a new version (history kept)."

    @sub.command("disable", epilog=f"Example: {cmd} disable demo openai ID")
    def disable(
        org_slug: str,
        provider: str,
        row_id: str,
        reason: str | None = typer.Option(None),
        actor: str | None = typer.Option(None),
    ) -> None:
        try:
            request = RowRequest(
                org_slug=org_slug, provider=provider, row_id=row_id, actor=actor or default_actor(), reason=reason
            )
            with open_warehouse(get_settings()) as wh:
                change = CatalogApi(wh, org_slug).disable(kind, request)
                _print_change(change)
                _reprice_change(wh, org_slug, kind, change)
        except (GenAICostsError, ValueError) as exc:
            _fail(exc)

    disable.__doc__ = f"Disable a {noun} row (is_enabled = false; the row is kept)."

    @sub.command("list", epilog=f"Example: {cmd} list demo openai")
    def list_rows(
        org_slug: str,
        provider: str,
        model: str | None = typer.Option(None, help="Only this model id (prices)"),
        as_of: dt.datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Only rows valid on this day"),
        custom_only: bool = typer.Option(False),
    ) -> None:
        try:
            request = ListRequest(
                org_slug=org_slug,
                provider=provider,
                model_id=model,
                custom_only=custom_only,
                as_of=as_of.date() if as_of else None,
            )
            with open_warehouse(get_settings()) as wh:
                rows = CatalogApi(wh, org_slug).list_rows(kind, request).rows
        except (GenAICostsError, ValueError) as exc:
            _fail(exc)
        console.print_json(json.dumps([public(r) for r in rows], default=str))

    list_rows.__doc__ = f"List {noun} rows of a provider as JSON."
    return sub


_crud("pricing")
_crud("subscriptions")
