"""The report as one self-contained HTML file: no script, font or image from the network (the
charts are inline SVG drawn here, the exports are data: links), readable at 1,280 px and on a
phone (tables turn into labelled cards below 640 px).

Why hand-drawn SVG rather than a vendored chart library: the two charts (stacked daily bars with
a dated axis and the month-end forecast, horizontal bars) take ~150 lines, need no JavaScript, print,
and keep every label as text a test can read; uPlot (MIT, ~50 KB) or Chart.js (MIT, ~200 KB) would
draw on a canvas, which neither prints crisply nor exposes its labels."""

from __future__ import annotations

import base64
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .output import Column, Row, fmt, json_rows, money, to_csv, to_json, totals
from .reporting import DAILY, DAILY_COLUMNS, SECTIONS, Report, Section

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1", "#edc948", "#9c755f"]


@dataclass(frozen=True)
class RenderedTable:
    section: Section | None
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: list[list[str]]
    total: list[str] | None
    empty: str
    csv_href: str
    json_href: str


def _data_uri(text: str, mime: str) -> str:
    return f"data:{mime};charset=utf-8;base64,{base64.b64encode(text.encode()).decode()}"


def _shown(rows: list[Row], section: Section | None) -> list[Row]:
    limit = section.display_rows if section else None
    return rows if limit is None else rows[:limit]


def _table(name: str, title: str, description: str, columns: tuple[Column, ...], rows: list[Row], empty: str,
           section: Section | None = None) -> RenderedTable:  # fmt: skip
    total = totals(rows, columns)
    shown = _shown(rows, section)
    if len(shown) < len(rows):
        description += (
            f" Showing the first {len(shown)} of {len(rows):,} rows; the CSV and JSON downloads hold every row."
        )
    return RenderedTable(
        section,
        name,
        title,
        description,
        columns,
        [[fmt(r.get(c.key), c.kind) for c in columns] for r in shown],
        None if total is None else [fmt(total[c.key], c.kind) if total[c.key] is not None else "" for c in columns],
        empty,
        _data_uri(to_csv(rows, columns), "text/csv"),
        _data_uri(to_json(json_rows(rows, columns)), "application/json"),
    )


def _nice_step(peak: float, ticks: int = 4) -> float:
    raw = peak / ticks if peak > 0 else 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))


def _short_money(value: float) -> str:
    if value >= 1000:
        return f"${value / 1000:,.1f}k".replace(".0k", "k")
    return f"${value:,.0f}"


def daily_chart(report: Report, width: int = 960, height: int = 300) -> Markup:
    """Stacked daily cost per provider on a dated axis, the days left in the month as outlined bars
    at the forecast's daily rate."""
    rows = report.sections.get(DAILY, [])
    if not rows:
        return Markup('<p class="empty">No cost in this window.</p>')
    providers = sorted({r["provider"] for r in rows})
    colors = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(providers)}
    by = {(r["usage_date"], r["provider"]): float(r["cost_usd"] or 0) for r in rows}
    start, last = report.window.start, report.filter.last_day
    forecast = report.forecast
    end = last + dt.timedelta(days=forecast.days_left if forecast else 0)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    day_totals = [sum(by.get((d, p), 0.0) for p in providers) for d in days]
    rate = float(forecast.daily_rate_usd) if forecast else 0.0
    step = _nice_step(max([*day_totals, rate, 0.01]))
    top = step * math.ceil(max([*day_totals, rate, 0.01]) / step)
    left, right, plot_top, plot_bottom = 64, 12, 12, height - 66
    plot_w, plot_h = width - left - right, plot_bottom - plot_top
    slot = plot_w / len(days)
    y = lambda v: plot_bottom - v / top * plot_h  # noqa: E731
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Daily cost by provider, {start} to {end}">'
    ]
    tick = 0.0
    while tick <= top + 1e-9:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" class="axis" text-anchor="end">{_short_money(tick)}</text>'
        )
        tick += step
    label_every = max(1, math.ceil(len(days) / 10))
    for i, day in enumerate(days):
        x = left + i * slot
        base = float(plot_bottom)
        if day <= last:
            for p in providers:
                value = by.get((day, p), 0.0)
                if value <= 0:
                    continue
                h = value / top * plot_h
                base -= h
                out.append(
                    f'<rect x="{x + slot * 0.1:.1f}" y="{base:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                    f'fill="{colors[p]}"><title>{escape(p)} {day}: ${value:,.2f}</title></rect>'
                )
        else:
            h = rate / top * plot_h
            out.append(
                f'<rect x="{x + slot * 0.1:.1f}" y="{plot_bottom - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                f'class="forecast"><title>{day}: forecast ${rate:,.2f}</title></rect>'
            )
        if i % label_every == 0 or (i == len(days) - 1 and (len(days) - 1) % label_every > label_every / 2):
            cx = x + slot / 2
            out.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{plot_bottom}" y2="{plot_bottom + 4}" class="grid"/>'
                f'<text x="{cx:.1f}" y="{plot_bottom + 17}" class="axis" text-anchor="middle">{day:%b} {day.day}</text>'
            )
    legend = [(escape(p), f'fill="{colors[p]}"') for p in providers]
    if forecast and forecast.days_left:
        legend.append((Markup("forecast"), 'class="forecast"'))
    legend_x, legend_y = float(left), height - 36
    for name, paint in legend:
        item_w = 14 + 7.5 * len(name) + 18
        if legend_x + item_w > width - right:
            legend_x, legend_y = float(left), legend_y + 18
        out.append(
            f'<rect x="{legend_x:.1f}" y="{legend_y}" width="10" height="10" {paint}/>'
            f'<text x="{legend_x + 14:.1f}" y="{legend_y + 9}" class="axis">{name}</text>'
        )
        legend_x += item_w
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(rows: list[Row], label_keys: tuple[str, ...], value_key: str, width: int = 960) -> Markup:
    if not rows:
        return Markup("")
    peak = max(float(r[value_key] or 0) for r in rows) or 1.0
    label_w, bar_h, gap = 300, 18, 8
    plot_w = width - label_w - 110
    out = [f'<svg class="chart bars" viewBox="0 0 {width} {len(rows) * (bar_h + gap) + 4}" role="img">']
    for i, r in enumerate(rows):
        value = float(r[value_key] or 0)
        y0 = i * (bar_h + gap) + 2
        label = " / ".join(str(r[k] or "-") for k in label_keys)
        w = value / peak * plot_w
        out.append(
            f'<text x="{label_w - 8}" y="{y0 + 13}" class="axis" text-anchor="end">{escape(label[:44])}</text>'
            f'<rect x="{label_w}" y="{y0}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y0 + 13}" class="axis">{money(r[value_key])}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report) -> str:
    spend = report.spend
    tables = [
        _table(s.name, s.title, s.description, s.columns, report.sections.get(s.name, []), s.empty, s) for s in SECTIONS
    ]
    daily = _table(
        DAILY, "Daily cost", "Computed cost per day and provider (every flow).", DAILY_COLUMNS,
        report.sections.get(DAILY, []), "No cost in this window.",
    )  # fmt: skip
    computed = spend.get("computed_usd") or Decimal(0)
    waste = report.waste_usd
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            spend=spend,
            money=money,
            fmt=fmt,
            forecast=report.forecast,
            coverage=report.coverage_pct,
            waste=waste,
            waste_pct=(Decimal(100) * waste / computed).quantize(Decimal("0.1")) if computed else None,
            daily_chart=daily_chart(report),
            models_chart=bar_chart(report.sections.get("top_models", []), ("provider", "model"), "cost_usd"),
            tables=tables,
            daily=daily,
            budgets=report.sections.get("budgets_latest", []),
            budgets_available="budgets_latest" not in report.unavailable,
        )
    )


def write_html(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
