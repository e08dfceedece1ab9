"""Load the four Cloud Function entry points from functions/<name>/main.py, exactly the files
the platform runs, under distinct module names (each is 'main' when deployed)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import genai_costs

# functions/<name>/main.py sit beside the shared library (a repository checkout or editable install).
FUNCTIONS_DIR = Path(genai_costs.__file__).resolve().parents[1]
TOPICS = {"genai-payg": "ingest_payg", "genai-commitment": "ingest_commitment", "genai-consolidate": "consolidate"}


def load_entry_point(function: str) -> Callable[..., object]:
    path = FUNCTIONS_DIR / function / "main.py"
    spec = importlib.util.spec_from_file_location(f"genai_function_{function}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the entry point {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry: Callable[..., object] = getattr(module, function)
    return entry
