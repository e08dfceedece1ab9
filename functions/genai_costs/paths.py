"""Where the ``sql/`` tree lives: beside the package in a deployed archive, or at the repo root."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigurationError
from .settings import get_settings

_PACKAGE_DIR = Path(__file__).resolve().parent


def sql_root() -> Path:
    override = get_settings().sql_dir
    candidates = [override] if override else []
    # Deployed archive: <root>/genai_costs and <root>/sql. Repo: <repo>/functions/genai_costs.
    candidates += [_PACKAGE_DIR.parent / "sql", _PACKAGE_DIR.parent.parent / "sql"]
    for candidate in candidates:
        if candidate and (candidate / "tables").is_dir():
            return candidate
    raise ConfigurationError(f"sql/ tree not found (looked in: {', '.join(map(str, candidates))})")
