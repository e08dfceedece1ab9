"""A long section (usage by tenant, user, service and workflow) shows its first rows in the terminal,
says how many more there are, and still totals every row."""

from __future__ import annotations

from rich.console import Console

from genai_costs_cli.output import Column, terminal_table

COLUMNS = (Column("tenant_id", "Tenant"), Column("requests", "Requests", "int", total=True))
ROWS = [{"tenant_id": f"tenant-{i:03d}", "requests": i} for i in range(1, 101)]


def rendered(max_rows: int | None) -> str:
    console = Console(width=100, record=True)
    console.print(terminal_table("Usage", ROWS, COLUMNS, max_rows=max_rows))
    return console.export_text()


def test_first_rows_shown_and_the_rest_counted():
    text = rendered(25)
    assert "tenant-025" in text and "tenant-026" not in text
    assert "75 more rows" in text
    assert "5,050" in text  # 1 + 2 + ... + 100: the total counts the rows not shown


def test_without_a_limit_every_row_is_shown():
    text = rendered(None)
    assert "tenant-100" in text and "more rows" not in text and "5,050" in text
