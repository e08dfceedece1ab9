"""Rows appended to a local NDJSON file while a provider is read, and read back lazily.

A run first spools everything the provider returns (memory stays flat however long the window);
only when the provider has answered completely are the spools written to the warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any


class Spool:
    """Rows appended to an NDJSON file and read back lazily."""

    def __init__(self, path: Path) -> None:
        self.path, self.count = path, 0
        self._fh = path.open("w", encoding="utf-8")

    def add(self, row: Mapping[str, Any]) -> None:
        self._fh.write(json.dumps(row, default=str) + "\n")
        self.count += 1

    def rows(self, types: Mapping[str, Callable[[str], Any]]) -> Iterator[dict[str, Any]]:
        """The rows back, each value named in ``types`` converted from its JSON text."""
        self._fh.close()
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                yield {k: (types[k](v) if v is not None and k in types else v) for k, v in row.items()}
