"""Load the Pub/Sub-fed Cloud Function entry points from functions/<name>/main.py, exactly the files
the platform runs, under distinct module names (each is 'main' when deployed)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import genai_costs
from genai_costs.model.schedules import ScheduledFlow

from .inprocess import InProcessBus

# functions/<name>/main.py sit beside the shared library (a repository checkout or editable install).
FUNCTIONS_DIR = Path(genai_costs.__file__).resolve().parents[1]
TOPICS = {
    "genai-payg": "ingest_payg",
    "genai-commitment": "ingest_commitment",
    "genai-prices": "sync_prices",
    "genai-consolidate": "consolidate",
    "genai-budgets": "evaluate_budgets",
}
# The topic of each flow on the in-process bus (in the cloud each flow has its own topic; locally the
# infrastructure flow shares the commitment topic, as both are served by ingest_commitment).
FLOW_TOPICS: dict[ScheduledFlow, str] = {
    "payg": "genai-payg",
    "commitment": "genai-commitment",
    "infrastructure": "genai-commitment",
    "consolidate": "genai-consolidate",
}


def load_entry_point(function: str) -> Callable[..., object]:
    path = FUNCTIONS_DIR / function / "main.py"
    spec = importlib.util.spec_from_file_location(f"genai_function_{function}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the entry point {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry: Callable[..., object] = getattr(module, function)
    return entry


def subscribed_bus(project: str = "local") -> InProcessBus:
    """An in-process bus delivering each flow topic to its function's entry point."""
    bus = InProcessBus(project=project)
    for topic, function in TOPICS.items():
        if (FUNCTIONS_DIR / function / "main.py").exists():
            bus.subscribe(topic, load_entry_point(function))
    return bus
