"""Import of a provider billing export (CSV) into genai_billing_imports_raw.

Headers are matched flexibly, as the user's reconciliation script does: case, spaces, dashes and dots
are ignored and common synonyms are known (``cost_usd`` / ``amount_value`` / ``cost``, ``timestamp`` /
``start_time`` / ``created_at``, ...). The OpenAI dashboard cost export (``start_time, end_time,
amount_value, amount_currency, line_item, project_id, organization_id, project_name,
organization_name``) works as is: it has no request id and no model column, so the model is taken
from the line item ("gpt-4o-2024-08-06, input").

All or nothing: every bad line is reported with its line number and then the whole file is refused,
leaving the table untouched. Re-importing a file adds nothing (record ids are hashes of the values)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..paths import sql_root
from ..providers.ids import PROVIDERS
from ..warehouse.base import Warehouse
from ..warehouse.sqlfiles import load_statement
from ..warehouse.tables import load_table_specs

TABLE = "genai_billing_imports_raw"
MAX_REPORTED_ERRORS = 50

# Canonical field -> header spellings (normalized: lower case, non-alphanumerics as "_").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "request_id": ("request_id", "openai_request_id", "requestid", "req_id", "id"),
    "start_time": ("start_time", "timestamp", "created_at", "created", "time", "date", "usage_date", "start"),
    "end_time": ("end_time", "end"),
    "model": ("model", "model_name", "model_id", "model_used", "snapshot_id"),
    "project_id": ("project_id", "workspace_id", "project"),
    "project_name": ("project_name", "workspace_name"),
    "line_item": ("line_item", "description", "line_item_name"),
    "input_tokens": ("input_tokens", "prompt_tokens", "n_context_tokens_total", "tokens_input"),
    "output_tokens": ("output_tokens", "completion_tokens", "n_generated_tokens_total", "tokens_output"),
    "amount": ("amount_value", "cost_usd", "cost", "amount", "cost_in_usd", "usd", "actual_cost", "total_cost"),
    "currency": ("amount_currency", "currency"),
}
_LINE_ITEM_MODEL = re.compile(r"^\s*([A-Za-z0-9][\w.:/-]*?)\s*,")


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


class BillingImportError(ValidationError):
    """The file was refused; ``errors`` lists each bad line."""

    def __init__(self, message: str, errors: list[LineError]) -> None:
        shown = "; ".join(f"line {e.line}: {e.message}" for e in errors[:MAX_REPORTED_ERRORS])
        more = f" (and {len(errors) - MAX_REPORTED_ERRORS} more)" if len(errors) > MAX_REPORTED_ERRORS else ""
        super().__init__(f"{message}: {shown}{more}" if errors else message)
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    rows_in_file: int
    rows_added: int
    columns: dict[str, str]  # canonical field -> the file's header


def _normalize(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def match_headers(headers: list[str]) -> dict[str, str]:
    """Canonical field -> the file's header it is read from. A start time and an amount are required."""
    by_norm = {_normalize(h): h for h in headers}
    found: dict[str, str] = {}
    for field, spellings in SYNONYMS.items():
        for spelling in spellings:
            if spelling in by_norm and by_norm[spelling] not in found.values():
                found[field] = by_norm[spelling]
                break
    missing = [f for f in ("start_time", "amount") if f not in found]
    if missing:
        raise BillingImportError(
            f"no column for {', '.join(missing)} among the headers {headers} "
            f"(known: {', '.join(SYNONYMS['start_time'])}; {', '.join(SYNONYMS['amount'])})",
            [],
        )
    return found


def _timestamp(value: str) -> dt.datetime:
    text = value.strip()
    if re.fullmatch(r"\d{9,11}(\.\d+)?", text):  # Unix seconds, as the OpenAI export writes them
        return dt.datetime.fromtimestamp(float(text), dt.UTC)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def _tokens(value: str) -> int | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    count = int(text)
    if count < 0:
        raise ValueError("negative token count")
    return count


def _parse_line(raw: dict[str, str], columns: dict[str, str]) -> dict[str, Any]:
    def get(field: str) -> str:
        return (raw.get(columns[field]) or "").strip() if field in columns else ""

    amount_text = get("amount").replace("$", "").replace(",", "")
    if not amount_text:
        raise ValueError(f"empty {columns['amount']}")
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:
        raise ValueError(f"{columns['amount']} is not a number: {amount_text[:40]!r}") from None
    if not amount.is_finite():
        raise ValueError(f"{columns['amount']} is not a finite number")
    start_text = get("start_time")
    if not start_text:
        raise ValueError(f"empty {columns['start_time']}")
    try:
        start = _timestamp(start_text)
        end = _timestamp(get("end_time")) if get("end_time") else None
    except ValueError:
        raise ValueError(f"not a timestamp: {start_text[:40]!r}") from None
    try:
        input_tokens, output_tokens = _tokens(get("input_tokens")), _tokens(get("output_tokens"))
    except ValueError:
        raise ValueError("token counts must be whole non-negative numbers") from None
    line_item = get("line_item") or None
    model = get("model") or None
    if model is None and line_item and (m := _LINE_ITEM_MODEL.match(line_item)):
        model = m.group(1)
    currency = (get("currency") or "USD").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"not an ISO 4217 currency: {currency[:10]!r}")
    return {
        "start_time": start,
        "end_time": end,
        "usage_date": start.date(),
        "request_id": get("request_id") or None,
        "model": model,
        "project_id": get("project_id") or None,
        "project_name": get("project_name") or None,
        "line_item": line_item,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "amount": amount.quantize(Decimal("0.000000001")),
        "currency": currency,
    }


def parse_export(
    content: bytes, *, org_slug: str, provider: str, file_name: str
) -> tuple[list[dict[str, Any]], ImportResult]:
    """The rows of a billing export, or BillingImportError naming every bad line."""
    if provider not in PROVIDERS:
        raise ValidationError(f"provider must be one of {', '.join(PROVIDERS)}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BillingImportError("the file is not UTF-8 text", []) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = match_headers(list(reader.fieldnames or []))
    import_id = hashlib.sha256(content).hexdigest()
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    errors: list[LineError] = []
    seen: Counter[str] = Counter()
    for raw in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # a blank line
        if None in raw:
            errors.append(LineError(line, "more fields than headers"))
            continue
        try:
            parsed = _parse_line(raw, columns)
        except ValueError as exc:
            errors.append(LineError(line, str(exc)))
            continue
        content_key = repr(sorted((k, str(v)) for k, v in parsed.items()))
        seen[content_key] += 1
        record_id = hashlib.sha256(f"{provider}|{content_key}|{seen[content_key]}".encode()).hexdigest()[:32]
        rows.append(
            parsed
            | {
                "record_id": record_id,
                "import_id": import_id,
                "file_name": Path(file_name).name,
                "line_number": line,
                "imported_at": now,
                "org_slug": org_slug,
                "provider": provider,
            }
        )
    if errors:
        raise BillingImportError(f"{file_name}: {len(errors)} bad line(s), nothing imported", errors)
    return rows, ImportResult(import_id, len(rows), 0, columns)


def import_export(
    warehouse: Warehouse, dataset: str, content: bytes, *, org_slug: str, provider: str, file_name: str
) -> ImportResult:
    """Parse ``content`` and add its rows that are not imported yet (one load job: all or nothing)."""
    rows, result = parse_export(content, org_slug=org_slug, provider=provider, file_name=file_name)
    if not rows:
        return result
    days = [r["usage_date"] for r in rows]
    existing = {
        r["record_id"]
        for r in warehouse.query(
            dataset,
            load_statement(sql_root(), "billing_import_existing_ids"),
            {"p_start_date": min(days), "p_end_date": max(days) + dt.timedelta(days=1), "p_provider": provider},
        )
    }
    new = [r for r in rows if r["record_id"] not in existing]
    if new:
        warehouse.load_rows(dataset, load_table_specs(sql_root())[TABLE], new)
    return ImportResult(result.import_id, result.rows_in_file, len(new), result.columns)
