"""The report of one organization's window: tables in the terminal and an HTML page with
charts (inline SVG, no network). Every figure comes from a query in ``sql/reports/``."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from genai_costs.model.window import Window
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement

REPORTS = (
    "cost_by_provider",
    "daily_cost",
    "top_models",
    "unpriced_models",
    "reconciliation_by_provider",
    "reconciliation_summary",
    "reconciliation_discrepancies",
    "savings_recommendations",
    "commitment_utilization",
    "focus_by_service",
)

Row = dict[str, Any]


@dataclass
class Report:
    org_slug: str
    window: Window
    sections: dict[str, list[Row]] = field(default_factory=dict)

    @property
    def total_cost(self) -> Decimal:
        return sum((r["cost_usd"] or Decimal(0) for r in self.sections["cost_by_provider"]), Decimal(0))

    @property
    def coverage_pct(self) -> Decimal | None:
        rows = self.sections["cost_by_provider"]
        tokens = sum((r["tokens"] or 0 for r in rows), Decimal(0))
        unpriced = sum((r["unpriced_tokens"] or 0 for r in rows), Decimal(0))
        return None if not tokens else (Decimal(100) * (tokens - unpriced) / tokens).quantize(Decimal("0.01"))


def build_report(warehouse: Warehouse, org_slug: str, window: Window) -> Report:
    dataset = dataset_for(org_slug)
    params = {"p_start_date": window.start, "p_end_date": window.end}
    report = Report(org_slug, window)
    for name in REPORTS:
        report.sections[name] = warehouse.query(
            dataset, read_single_statement(sql_root() / "reports" / f"{name}.sql"), params
        )
    return report


def _usd(value: Decimal | int | None) -> str:
    return "-" if value is None else f"${Decimal(value):,.2f}"


def _int(value: Decimal | int | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def print_report(console: Console, report: Report) -> None:
    w = report.window
    console.rule(f"[bold]{report.org_slug}: GenAI spend {w.start} .. {w.end - dt.timedelta(days=1)}")
    console.print(f"Total computed cost {_usd(report.total_cost)}; tokens priced: {report.coverage_pct}%")
    t = Table("provider", "cost", "tokens", "unpriced tokens", title="By provider")
    for r in report.sections["cost_by_provider"]:
        t.add_row(r["provider"], _usd(r["cost_usd"]), _int(r["tokens"]), _int(r["unpriced_tokens"]))
    console.print(t)
    t = Table("provider", "model", "cost", "share %", title="Top models")
    for r in report.sections["top_models"]:
        t.add_row(r["provider"], r["model"] or "-", _usd(r["cost_usd"]), str(r["share_pct"]))
    console.print(t)
    t = Table(
        "provider",
        "computed",
        "provider-reported",
        "difference",
        "diff %",
        "unpriced tokens",
        title="Reconciliation with the providers' own cost data",
    )
    for r in report.sections["reconciliation_by_provider"]:
        t.add_row(
            r["provider"],
            _usd(r["computed_usd"]),
            _usd(r["reported_usd"]),
            _usd(r["difference_usd"]),
            str(r["difference_pct"]),
            _int(r["unpriced_tokens"]),
        )
    console.print(t)
    if report.sections["unpriced_models"]:
        t = Table("provider", "model", "tokens", "why", title="Unpriced usage (never booked at $0)")
        for r in report.sections["unpriced_models"]:
            t.add_row(r["provider"], r["model"] or "-", _int(r["tokens"]), r["reason"])
        console.print(t)
    if report.sections["commitment_utilization"]:
        t = Table(
            "provider",
            "commitment",
            "unit-hours bought",
            "used",
            "utilization %",
            "cost",
            "wasted",
            title="Commitments (PTU, provisioned throughput, GSU)",
        )
        for r in report.sections["commitment_utilization"]:
            t.add_row(
                r["provider"],
                r["commitment_name"] or r["commitment_id"],
                f"{r['provisioned_unit_hours']:,.1f}",
                f"{r['used_unit_hours']:,.1f}",
                str(r["utilization_pct"]),
                _usd(r["commitment_cost_usd"]),
                _usd(r["wasted_cost_usd"]),
            )
        console.print(t)
    t = Table("service", "charge", "rows", "billed", "effective", "list", title="FOCUS 1.3 (cost_data_standard_1_3)")
    for r in report.sections["focus_by_service"]:
        t.add_row(
            r["service_name"],
            r["charge_category"],
            _int(r["focus_rows"]),
            _usd(r["billed_cost"]),
            _usd(r["effective_cost"]),
            _usd(r["list_cost"]),
        )
    console.print(t)


_COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"]


def _stacked_daily_svg(rows: list[Row], width: int = 900, height: int = 260) -> str:
    days = sorted({r["usage_date"] for r in rows})
    providers = sorted({r["provider"] for r in rows})
    if not days:
        return "<p>No cost in this window.</p>"
    by = {(r["usage_date"], r["provider"]): float(r["cost_usd"] or 0) for r in rows}
    totals = [sum(by.get((d, p), 0) for p in providers) for d in days]
    peak = max(totals) or 1.0
    bar_w = (width - 60) / len(days)
    parts = [f'<svg viewBox="0 0 {width} {height + 40}" role="img" aria-label="daily cost by provider">']
    for i, day in enumerate(days):
        y = float(height)
        for j, provider in enumerate(providers):
            h = by.get((day, provider), 0) / peak * (height - 20)
            y -= h
            parts.append(
                f'<rect x="{50 + i * bar_w:.1f}" y="{y:.1f}" width="{bar_w * 0.85:.1f}" height="{h:.1f}" '
                f'fill="{_COLORS[j % len(_COLORS)]}"><title>{html.escape(provider)} {day}: '
                f"${by.get((day, provider), 0):,.2f}</title></rect>"
            )
    parts.append(
        f'<text x="0" y="15" font-size="11">${peak:,.0f}</text><text x="0" y="{height}" font-size="11">$0</text>'
    )
    for j, provider in enumerate(providers):
        parts.append(
            f'<rect x="{50 + j * 140}" y="{height + 18}" width="10" height="10" fill="{_COLORS[j % len(_COLORS)]}"/>'
            f'<text x="{64 + j * 140}" y="{height + 27}" font-size="11">{html.escape(provider)}</text>'
        )
    return "".join(parts) + "</svg>"


def _bars_svg(
    rows: list[Row], label: Callable[[Row], str], value: Callable[[Row], Decimal | None], width: int = 900
) -> str:
    if not rows:
        return "<p>Nothing to show.</p>"
    peak = max(float(value(r) or 0) for r in rows) or 1.0
    parts = [f'<svg viewBox="0 0 {width} {len(rows) * 24 + 10}" role="img">']
    for i, r in enumerate(rows):
        w = float(value(r) or 0) / peak * (width - 380)
        parts.append(
            f'<text x="0" y="{i * 24 + 16}" font-size="12">{html.escape(label(r))}</text>'
            f'<rect x="300" y="{i * 24 + 4}" width="{w:.1f}" height="16" fill="#4e79a7"/>'
            f'<text x="{306 + w:.1f}" y="{i * 24 + 16}" font-size="12">${float(value(r) or 0):,.2f}</text>'
        )
    return "".join(parts) + "</svg>"


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if column.endswith(("_usd", "_cost")):
            return f"{value:,.2f}"
        return f"{int(value):,}" if value == value.to_integral_value() else f"{value:,.2f}"
    return str(value)


def _table_html(rows: list[Row]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(k, v))}</td>" for k, v in r.items()) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_html(report: Report, path: Path) -> Path:
    s = report.sections
    title = f"GenAI spend of {report.org_slug}, {report.window.start} to {report.window.end}"
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:960px}}
table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#f3f3f3}}
h2{{margin-top:2rem}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Total computed cost <b>{_usd(report.total_cost)}</b>; tokens priced: <b>{report.coverage_pct}%</b>
(unpriced usage is listed below, never booked at $0).</p>
<h2>Daily cost by provider</h2>{_stacked_daily_svg(s["daily_cost"])}
<h2>Top models</h2>{_bars_svg(s["top_models"], lambda r: f"{r['provider']} / {r['model']}", lambda r: r["cost_usd"])}
<h2>By provider</h2>{_table_html(s["cost_by_provider"])}
<h2>Reconciliation with provider-reported cost</h2>{_table_html(s["reconciliation_by_provider"])}
<h2>Usage events against provider data, per grain</h2>{_table_html(s["reconciliation_summary"])}
<h2>Largest reconciliation discrepancies</h2>{_table_html(s["reconciliation_discrepancies"])}
<h2>Savings recommendations (USD per month)</h2>{_table_html(s["savings_recommendations"])}
<h2>Unpriced usage</h2>{_table_html(s["unpriced_models"])}
<h2>Commitments: bought, used, wasted</h2>{_table_html(s["commitment_utilization"])}
<h2>FOCUS 1.3 totals</h2>{_table_html(s["focus_by_service"])}
</body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
