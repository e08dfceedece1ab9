"""JSON log lines with ``severity`` and ``message`` (what Cloud Logging reads), and a filter
that masks every secret value this process has read, wherever it would appear."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator

_secrets: set[str] = set()
_lock = threading.Lock()
MASK = "[REDACTED]"


def register_secret(value: str) -> None:
    """Remember a secret value (and its JSON-embedded parts) so logs never show it."""
    candidates = {value}
    try:
        parsed = json.loads(value)
        if isinstance(parsed, dict):
            candidates |= set(_strings(parsed))
    except ValueError:
        pass
    with _lock:
        _secrets.update(c for c in candidates if len(c) >= 8)


def _strings(obj: object) -> Iterator[str]:
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, str):
        yield obj


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, MASK)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"severity": record.levelname, "message": record.getMessage(), "logger": record.name}
        for key in ("org_slug", "provider", "run_id", "flow"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_text:
            entry["stack_trace"] = record.exc_text
        return json.dumps(entry, default=str)


_NOISY = ("httpx", "httpcore", "werkzeug", "urllib3", "botocore", "google.auth")


def configure_logging(level: int | str = logging.INFO, *, json_lines: bool = True) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_genai_costs", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout if json_lines else sys.stderr)
    handler._genai_costs = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # One line per HTTP request drowns the run's own story; their warnings still show.
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
