"""The report of one organization's window, answering a FinOps lead's first questions: how much
was spent (reported, computed, at risk because unpriced), where it is going (daily trend, forecast
to month end), who spent it (providers, projects, models; tenants, users, services and workflows
once usage events are recorded), what is wasted (unused commitments) and whether budgets hold.

Every table comes from one query in ``sql/reports/``; the terminal, the HTML page and the CSV /
JSON exports show the same rows. Sections whose data is optional (usage events, budgets) say so
plainly when there is none instead of showing an empty chart."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.console import Console

from genai_costs.model.window import Window
from genai_costs.orgs import dataset_for
from genai_costs.paths import sql_root
from genai_costs.warehouse.base import Warehouse
from genai_costs.warehouse.sqlfiles import read_single_statement

from .output import Column, Row, fmt, json_rows, money, terminal_table


@dataclass(frozen=True)
class Section:
    """One table of the report: ``sql/reports/{name}.sql`` and what a reader needs to read it."""

    name: str
    title: str
    description: str  # what the rows include and exclude, shown under the title
    columns: tuple[Column, ...]
    empty: str = "Nothing in this window."
    # Optional data another component writes (usage events, budgets): without this table, or
    # without the query file, the section shows ``empty`` rather than failing.
    requires_table: str | None = None
    tenant_filter: bool = False  # the query takes @p_tenant
    # Rows shown in the terminal and HTML report (the query's order decides which); totals and the
    # CSV/JSON exports keep every row.
    display_rows: int | None = None


SPEND = "spend_summary"
DAILY = "daily_cost"

SECTIONS: tuple[Section, ...] = (
    Section(
        "cost_by_provider",
        "Spend by provider",
        "Computed cost of every flow (pay-as-you-go tokens, commitment purchases, GPU hours); unpriced "
        "tokens are counted, never booked at $0.",
        (
            Column("provider", "Provider"),
            Column("cost_usd", "Cost", "money", total=True),
            Column("tokens", "Tokens", "int", total=True),
            Column("unpriced_tokens", "Unpriced tokens", "int", total=True),
        ),
    ),
    Section(
        "cost_by_project",
        "Spend by project",
        "Computed cost per provider project, workspace or account the usage was reported under; every flow.",
        (
            Column("provider", "Provider"),
            Column("project_id", "Project"),
            Column("cost_usd", "Cost", "money", total=True),
            Column("tokens", "Tokens", "int", total=True),
        ),
    ),
    Section(
        "usage_by_tenant",
        "Usage by tenant, user, service and workflow",
        "Per-request usage events your applications record (record_usage): requests and tokens per tenant, "
        "user, service and workflow.",
        (
            Column("tenant_id", "Tenant"),
            Column("user_id", "User"),
            Column("service", "Service"),
            Column("workflow_id", "Workflow"),
            Column("requests", "Requests", "int", total=True),
            Column("tokens", "Tokens", "int", total=True),
        ),
        empty="No usage events recorded: tenants, users, services and workflows appear here once your "
        "applications send usage events.",
        requires_table="genai_usage_events",
        tenant_filter=True,
        display_rows=25,
    ),
    Section(
        "top_models",
        "Top models by token spend",
        "Priced tokens only, at pay-as-you-go rates (tokens a commitment covers count $0; the commitment is "
        "under Commitments). Same definition as the console's genai_top_models_30d view.",
        (
            Column("provider", "Provider"),
            Column("model", "Model"),
            Column("cost_usd", "Cost", "money", total=True),
            Column("share_pct", "Share", "pct"),
        ),
    ),
    Section(
        "commitment_utilization",
        "Commitments: bought, used, wasted",
        "Provisioned capacity (Azure PTU, Bedrock model units, Vertex GSU): unit-hours bought and used; "
        "wasted is what the unused hours cost.",
        (
            Column("provider", "Provider"),
            Column("commitment_name", "Commitment"),
            Column("utilization_pct", "Used", "pct"),
            Column("commitment_cost_usd", "Cost", "money", total=True),
            Column("wasted_cost_usd", "Wasted", "money", total=True),
        ),
        empty="No commitments in this window.",
    ),
    Section(
        "budgets_latest",
        "Budgets",
        "Each budget at its latest evaluation: spend to date against the amount, and the forecast to the period's end.",
        (
            Column("budget_name", "Budget"),
            Column("spend_usd", "Spent", "money"),
            Column("amount_usd", "Budget", "money"),
            Column("forecast_usd", "Forecast", "money"),
            Column("status", "Status"),
        ),
        empty="No budgets defined: define one to see spend against it here.",
        requires_table="genai_budget_status",
    ),
    Section(
        "alerts_sent",
        "Alerts",
        "Budget thresholds crossed and operational alerts (unpriced usage, a failed run) raised in the window, "
        "and the channels that delivered them (failed deliveries: `genai-costs budgets alerts`). "
        "One alert per crossing; a lower threshold crossed in the same "
        "evaluation as a higher one is recorded, not sent.",
        (
            Column("created_at", "Raised"),
            Column("kind", "Kind"),
            Column("about", "About"),
            Column("threshold_percent", "Threshold", "pct"),
            Column("sent", "Sent", "int", total=True),
            Column("sent_via", "Via"),
        ),
        empty="No alerts raised in this window.",
        requires_table="genai_alert_ledger",
    ),
    Section(
        "unpriced_models",
        "Unpriced usage",
        "Usage no catalog price covers: counted in tokens, never booked at $0. Add a price row to cost it.",
        (
            Column("provider", "Provider"),
            Column("model", "Model"),
            Column("tokens", "Tokens", "int", total=True),
            Column("reason", "Why"),
        ),
        empty="Every token in this window is priced.",
    ),
    Section(
        "estimated_costs",
        "Estimated costs",
        "Computed at the standard rate because the source does not report the context-window tier of a model "
        "with long-context rates: the bill may be higher. Usage events decide the tier from each prompt.",
        (
            Column("provider", "Provider"),
            Column("model", "Model"),
            Column("tokens", "Tokens", "int", total=True),
            Column("cost_usd", "Cost (est.)", "money", total=True),
            Column("reason", "Why"),
        ),
        empty="No computed cost in this window is an estimate.",
    ),
    Section(
        "reconciliation_by_provider",
        "Computed vs provider-reported",
        "This platform's computed bill next to the providers' own cost data (pay-as-you-go and commitments).",
        (
            Column("provider", "Provider"),
            Column("computed_usd", "Computed", "money", total=True),
            Column("reported_usd", "Reported", "money", total=True),
            Column("difference_usd", "Difference", "money", total=True),
            Column("difference_pct", "Diff", "pct"),
        ),
    ),
    Section(
        "reconciliation_summary",
        "Usage events against provider data, per grain",
        "The applications' events against the providers' own data at the finest grain each offers (Bedrock "
        "requests by request id in its model invocation logs, usage buckets per key and model, cost lines per "
        "day and project): matched within 5 % or $0.05, discrepancy, "
        "not found, or pending inside the source's lag (docs/reconciliation.md).",
        (
            Column("provider", "Provider"),
            Column("grain", "Grain"),
            Column("matched", "Matched", "int", total=True),
            Column("discrepancy", "Discrepancy", "int", total=True),
            Column("not_found", "Not found", "int", total=True),
            Column("pending", "Pending", "int", total=True),
            Column("capture_rate_pct", "Capture", "pct"),
            Column("estimated_usd", "Events", "money"),
            Column("actual_usd", "Provider", "money"),
        ),
        empty="No usage events to reconcile in this window.",
    ),
    Section(
        "reconciliation_discrepancies",
        "Largest reconciliation discrepancies",
        "The ten largest differences by dollars between the events and the provider's data, with grain and cause.",
        (
            Column("provider", "Provider"),
            Column("grain", "Grain"),
            Column("usage_date", "Day", "date"),
            Column("model", "Model"),
            Column("estimated_usd", "Events", "money"),
            Column("actual_usd", "Provider", "money"),
            Column("difference_usd", "Difference", "money"),
            Column("cause", "Cause"),
        ),
        empty="No discrepancies in this window.",
    ),
    Section(
        "savings_recommendations",
        "Savings recommendations",
        "From the last 30 full days of billed, priced usage: cheaper models of the same capability class, the "
        "same model through another provider, batch-eligible standard-tier calls, cache opportunities and "
        "under-used commitments. Dollars per month, extrapolated from the evidence window; unpriced usage never "
        "produces a recommendation.",
        (
            Column("recommendation_type", "Type"),
            Column("provider", "Provider"),
            Column("subject", "Subject"),
            Column("recommendation", "Recommendation"),
            Column("evidence_start", "From", "date"),
            Column("evidence_end", "To", "date"),
            Column("savings_usd_per_month", "Savings / month", "money", total=True),
        ),
        empty="No savings recommendations in the last 30 days.",
    ),
    Section(
        "estimate_calibration",
        "Calibration of the cost estimates",
        "Every recorded history-based estimate (genai-costs estimate) against the calls that followed it: the same "
        "task and recommended model within 7 days. A calibrated p90 has about 90 % of them at or below it.",
        (
            Column("estimates", "Estimates", "int"),
            Column("estimates_with_actuals", "With calls since", "int"),
            Column("actual_calls", "Calls since", "int"),
            Column("at_or_below_p90_pct", "At or below p90", "pct"),
            Column("at_or_below_p50_pct", "At or below p50", "pct"),
            Column("unpriced_calls", "Unpriced (not compared)", "int"),
        ),
        empty="No estimate recorded yet.",
        requires_table="genai_cost_estimates",
    ),
    Section(
        "source_freshness",
        "Data freshness per source",
        "As of now, whatever the window: the last day each source is complete for by its own lag rule, "
        "the day it should be complete for, and its state (fresh, late, silent, failing). A source that is "
        "not fresh has recent days missing or partial (genai-costs freshness ORG for the details).",
        (
            Column("source_id", "Source"),
            Column("state", "State"),
            Column("complete_through", "Complete through", "date"),
            Column("expected_through", "Expected through", "date"),
            Column("state_reason", "Why"),
        ),
        empty="No source has run yet.",
    ),
    Section(
        "focus_by_service",
        "FOCUS 1.3 by service",
        "The FOCUS 1.3 table cost_data_standard_1_3: billed, effective (commitments amortized) and list cost.",
        (
            Column("service_name", "Service"),
            Column("charge_category", "Charge"),
            Column("billed_cost", "Billed", "money", total=True),
            Column("effective_cost", "Effective", "money", total=True),
            Column("list_cost", "List", "money", total=True),
        ),
    ),
)
BY_NAME = {s.name: s for s in SECTIONS}
DAILY_COLUMNS = (
    Column("usage_date", "Day", "date"),
    Column("provider", "Provider"),
    Column("cost_usd", "Cost", "money"),
)
SPEND_COLUMNS = (
    Column("reported_usd", "Reported by providers", "money"),
    Column("computed_usd", "Computed", "money"),
    Column("estimated_usd", "Of computed: estimates (tier unknown)", "money"),
    Column("at_risk_usd", "At risk (unpriced, est.)", "money"),
    Column("unpriced_tokens", "Unpriced tokens", "int"),
    Column("tokens", "Tokens", "int"),
    Column("unused_commitment_usd", "Unused commitments", "money"),
    Column("first_day", "First day", "date"),
    Column("last_day", "Last day", "date"),
)
EXPORTS: dict[str, tuple[Column, ...]] = {SPEND: SPEND_COLUMNS, DAILY: DAILY_COLUMNS} | {
    s.name: s.columns for s in SECTIONS
}


@dataclass(frozen=True)
class ReportFilter:
    window: Window
    provider: str | None = None
    tenant: str | None = None

    @property
    def last_day(self) -> dt.date:
        return self.window.end - dt.timedelta(days=1)

    def params(self) -> dict[str, Any]:
        return {
            "p_start_date": self.window.start,
            "p_end_date": self.window.end,
            "p_provider": self.provider or "",
        }

    def describe(self) -> str:
        parts = [f"{self.window.start} to {self.last_day}"]
        if self.provider:
            parts.append(f"provider {self.provider}")
        if self.tenant:
            parts.append(f"tenant {self.tenant} (usage events only; provider cost data names no tenant)")
        return ", ".join(parts)


@dataclass(frozen=True)
class Forecast:
    month: dt.date  # first day of the month forecast
    to_date_usd: Decimal  # computed cost of the month's days in the data
    forecast_usd: Decimal  # to date + daily run rate x days left
    daily_rate_usd: Decimal  # the mean of the last (up to) 7 days with data
    days_left: int


@dataclass
class Report:
    org_slug: str
    filter: ReportFilter
    simulated: bool = False
    sections: dict[str, list[Row]] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)  # optional sections without their table
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def window(self) -> Window:
        return self.filter.window

    @property
    def spend(self) -> Row:
        rows = self.sections.get(SPEND) or [{}]
        return rows[0]

    @property
    def coverage_pct(self) -> Decimal | None:
        tokens = Decimal(self.spend.get("tokens") or 0)
        unpriced = Decimal(self.spend.get("unpriced_tokens") or 0)
        if not tokens:
            return None
        return (Decimal(100) * (tokens - unpriced) / tokens).quantize(Decimal("0.1"))

    @property
    def daily_totals(self) -> list[tuple[dt.date, Decimal]]:
        by_day: dict[dt.date, Decimal] = {}
        for r in self.sections.get(DAILY, []):
            by_day[r["usage_date"]] = by_day.get(r["usage_date"], Decimal(0)) + (r["cost_usd"] or Decimal(0))
        return sorted(by_day.items())

    @property
    def forecast(self) -> Forecast | None:
        """Month-end forecast for the month of the window's last day: its cost so far plus the mean
        daily cost of the last 7 days with data for each day left. A run rate, not a model: the
        budgets component forecasts per budget with a band."""
        days = self.daily_totals
        if not days:
            return None
        last = self.filter.last_day
        month = last.replace(day=1)
        recent = [v for d, v in days if d <= last][-7:]
        rate = (sum(recent, Decimal(0)) / len(recent)).quantize(Decimal("0.01")) if recent else Decimal(0)
        to_date = sum((v for d, v in days if month <= d <= last), Decimal(0))
        left = calendar.monthrange(last.year, last.month)[1] - last.day
        return Forecast(month, to_date, to_date + rate * left, rate, left)

    @property
    def waste_usd(self) -> Decimal:
        rows = self.sections.get("commitment_utilization", [])
        return sum((Decimal(r["wasted_cost_usd"] or 0) for r in rows), Decimal(0))

    def export(self) -> dict[str, Any]:
        """The whole report as one JSON-ready document (exact decimals as strings)."""
        forecast = self.forecast
        return {
            "org_slug": self.org_slug,
            "from": self.window.start.isoformat(),
            "to": self.filter.last_day.isoformat(),
            "provider": self.filter.provider,
            "tenant": self.filter.tenant,
            "simulated": self.simulated,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "forecast": None
            if forecast is None
            else {
                "month": forecast.month.isoformat()[:7],
                "to_date_usd": str(forecast.to_date_usd),
                "forecast_usd": str(forecast.forecast_usd),
                "daily_rate_usd": str(forecast.daily_rate_usd),
                "days_left": forecast.days_left,
            },
            "tables": {name: json_rows(self.sections.get(name, []), cols) for name, cols in EXPORTS.items()},
            "unavailable": sorted(self.unavailable),
        }


def build_report(
    warehouse: Warehouse, org_slug: str, report_filter: ReportFilter, *, simulated: bool = False
) -> Report:
    dataset = dataset_for(org_slug)
    report = Report(org_slug, report_filter, simulated)
    base = report_filter.params()
    for name in (SPEND, DAILY, *(s.name for s in SECTIONS)):
        section = BY_NAME.get(name)
        path = sql_root() / "reports" / f"{name}.sql"
        optional = section.requires_table if section else None
        if optional and (not path.exists() or not warehouse.table_exists(dataset, optional)):
            report.sections[name] = []
            report.unavailable.add(name)
            continue
        params = base | ({"p_tenant": report_filter.tenant or ""} if section and section.tenant_filter else {})
        statement = read_single_statement(path)
        # Only the parameters the query names (a query without a provider filter is still valid).
        used = {k: v for k, v in params.items() if f"@{k}" in statement.text}
        report.sections[name] = warehouse.query(dataset, statement, used)
    return report


def print_report(console: Console, report: Report) -> None:
    spend = report.spend
    title = f"{report.org_slug}: GenAI spend {report.filter.describe()}"
    console.rule(f"[bold]{title}", align="left")
    if report.simulated:
        console.print("[bold yellow]SIMULATED DATA[/] from the local provider simulator, not a real bill.")
    console.print(
        f"Computed {money(spend.get('computed_usd'))} ({money(spend.get('estimated_usd'))} estimated)  "
        f"reported {money(spend.get('reported_usd'))}  "
        f"at risk (unpriced) {money(spend.get('at_risk_usd'))}  tokens priced {fmt(report.coverage_pct, 'pct')}"
    )
    forecast = report.forecast
    if forecast is not None:
        console.print(
            f"{forecast.month:%B %Y}: {money(forecast.to_date_usd)} to date, forecast {money(forecast.forecast_usd)} "
            f"at {money(forecast.daily_rate_usd)}/day; unused commitments {money(report.waste_usd)}"
        )
    for section in SECTIONS:
        rows = report.sections.get(section.name, [])
        if not rows:
            console.print(f"[bold]{section.title}[/]: {section.empty}")
            continue
        console.print(terminal_table(section.title, rows, section.columns, section.description, section.display_rows))
