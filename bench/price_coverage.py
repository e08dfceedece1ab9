"""Pricing coverage on the demo, before and after the catalog sync: tokens, dollars, reconciliation.

Runs the embedded demo (`make run`'s pipeline: simulator, onboarding, ingestion, consolidation) twice in
fresh data directories, once with the seed catalog only and once with the pinned price sync first, and
prints per provider:
- tokens priced / all tokens (pay-as-you-go usage, `genai_costs_daily_unified`);
- dollars: the provider-reported cost of the model-days we priced / all provider-reported cost, for the
  providers whose cost lines name the model (OpenAI, Anthropic: `genai_reconciliation_by_model`);
- computed next to reported cost per provider (`genai_reconciliation_daily`): the reconciliation gap, and
  the part of computed that is an estimate (`estimate_reason`: a context-window tier the source does not report).

    .venv/bin/python bench/price_coverage.py [--days 30] [--today 2026-12-02]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from genai_costs.orgs import dataset_for
from genai_costs.settings import get_settings
from genai_costs.warehouse import open_warehouse
from genai_costs_cli.local import pipeline

SYNC_TOPIC = "genai-prices"

TOKENS = """
SELECT provider,
  SUM(consumed_quantity) AS tokens,
  SUM(IF(cost_status = 'priced', consumed_quantity, 0)) AS priced_tokens,
  SUM(IF(cost_status = 'priced' AND estimate_reason IS NOT NULL, billed_cost_usd, 0)) AS estimated_usd
FROM genai_costs_daily_unified
WHERE flow = 'payg' AND consumed_unit = 'Tokens'
GROUP BY provider
"""

DOLLARS = """
SELECT provider,
  SUM(reported_usd) AS model_reported_usd,
  SUM(IF(status != 'unpriced', reported_usd, 0)) AS priced_model_reported_usd
FROM genai_reconciliation_by_model
WHERE reported_usd IS NOT NULL AND model IS NOT NULL
GROUP BY provider
"""

RECONCILIATION = """
SELECT provider, SUM(computed_usd) AS computed_usd, SUM(reported_usd) AS reported_usd
FROM genai_reconciliation_daily
GROUP BY provider
"""


def measure(*, sync: bool, days: int, today: dt.date) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="genai-coverage-") as data:
        os.environ["GENAI_COSTS_DATA_DIR"] = data
        get_settings.cache_clear()
        topics = dict(pipeline.TOPICS)
        if not sync:
            pipeline.TOPICS.pop(SYNC_TOPIC)
        try:
            pipeline.run_local_pipeline("demo", days=days, today=today, console=Console(quiet=True))
        finally:
            pipeline.TOPICS.clear()
            pipeline.TOPICS.update(topics)
        figures: dict[str, dict[str, Any]] = {}
        with open_warehouse(get_settings()) as wh:
            for sql in (TOKENS, DOLLARS, RECONCILIATION):
                for row in wh.query(dataset_for("demo"), sql):
                    figures.setdefault(row.pop("provider"), {}).update(row)
        return figures


def share(part: Any, whole: Any) -> str:
    return f"{Decimal(part) / Decimal(whole) * 100:.1f} %" if whole else "-"


def money(value: Any) -> str:
    return "-" if value is None else f"${Decimal(value):,.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.datetime.now(dt.UTC).date())
    args = parser.parse_args()
    before = measure(sync=False, days=args.days, today=args.today)
    after = measure(sync=True, days=args.days, today=args.today)

    table = Table(title=f"pricing coverage on the demo ({args.days} days to {args.today}): seed catalog -> after sync")
    for column in ("provider", "tokens priced", "reported $ priced", "computed", "of it estimated", "reported", "gap"):
        table.add_column(column, justify="left" if column == "provider" else "right")
    totals: dict[str, dict[str, Decimal]] = {"before": {}, "after": {}}
    for provider in sorted(set(before) | set(after)):
        cells = []
        for label, run in (("before", before), ("after", after)):
            f = run.get(provider, {})
            for key in (
                "tokens",
                "priced_tokens",
                "model_reported_usd",
                "priced_model_reported_usd",
                "computed_usd",
                "estimated_usd",
            ):
                totals[label][key] = totals[label].get(key, Decimal(0)) + Decimal(f.get(key) or 0)
            gap = None
            if f.get("reported_usd") is not None and f.get("computed_usd") is not None:
                gap = Decimal(f["computed_usd"]) - Decimal(f["reported_usd"])
            cells.append(
                (
                    share(f.get("priced_tokens") or 0, f.get("tokens") or 0),
                    share(f.get("priced_model_reported_usd") or 0, f.get("model_reported_usd") or 0)
                    if "model_reported_usd" in f
                    else "-",
                    money(f.get("computed_usd")),
                    money(f.get("estimated_usd")),
                    money(f.get("reported_usd")),
                    money(gap),
                )
            )
        table.add_row(provider, *(f"{b} -> {a}" for b, a in zip(*cells, strict=True)))
    console = Console()
    console.print(table)
    for label in ("before", "after"):
        t = totals[label]
        console.print(
            f"{label}: tokens priced {share(t['priced_tokens'], t['tokens'])} of {int(t['tokens']):,}; "
            f"reported $ priced {share(t['priced_model_reported_usd'], t['model_reported_usd'])} of "
            f"{money(t['model_reported_usd'])} (OpenAI, Anthropic); computed {money(t['computed_usd'])}, "
            f"of it estimated {money(t['estimated_usd'])}"
        )


if __name__ == "__main__":
    main()
