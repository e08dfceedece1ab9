"""What a function archive imports, read from the archive itself: each import statement of each
module (lazy ones inside functions included, ``if TYPE_CHECKING:`` blocks not), and the modules a
function reaches from its ``main.py``."""

from __future__ import annotations

import ast
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LIBRARY = "genai_costs"


@dataclass(frozen=True)
class Import:
    importer: str  # module holding the statement
    statement: str  # the statement, runnable on its own
    targets: tuple[str, ...]  # modules it may load, most specific first
    lazy: bool  # inside a function body: runs when called, not at import


def module_name(arcname: str) -> str:
    return arcname.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def python_sources(archive: Path) -> dict[str, str]:
    """Module name -> source, for every .py file in the archive."""
    with zipfile.ZipFile(archive) as zf:
        return {module_name(n): zf.read(n).decode() for n in zf.namelist() if n.endswith(".py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, lazy: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy
        elif isinstance(child, ast.If) and _is_type_checking(child):
            yield from (pair for orelse in child.orelse for pair in _walk_one(orelse, lazy))
        else:
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from _walk(child, inner)


def _walk_one(node: ast.AST, lazy: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, lazy
    else:
        yield from _walk(node, lazy)


def imports_of(module: str, source: str, is_package: bool) -> list[Import]:
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node, lazy in _walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, f"import {a.name}", (a.name,), lazy) for a in node.names]
            continue
        if node.module == "__future__":
            continue
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(anchor + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            found.append(Import(module, f"from {base} import {alias.name}", (f"{base}.{alias.name}", base), lazy))
    return found


def archive_imports(sources: dict[str, str], packages: set[str]) -> dict[str, list[Import]]:
    return {m: imports_of(m, src, m in packages) for m, src in sources.items()}


def packages_of(archive: Path) -> set[str]:
    with zipfile.ZipFile(archive) as zf:
        return {module_name(n) for n in zf.namelist() if n.endswith("/__init__.py")}


def origin(target: str) -> str:
    """'stdlib', 'archive' (the library or main.py) or 'third-party'."""
    top = target.split(".")[0]
    if top in sys.stdlib_module_names:
        return "stdlib"
    return "archive" if top in (LIBRARY, "main") else "third-party"


@dataclass
class Reach:
    modules: set[str]  # archive modules a function loads, lazily or not
    missing: list[Import]  # library imports whose module is not in the archive
    third_party: list[Import]  # third-party import statements of the reached modules


def dynamic_imports() -> dict[str, list[str]]:
    """Modules the registries import by name (importlib) from the provider catalog: reaching the
    registry reaches every client and commitment source module the catalog names."""
    from genai_costs.model.provider_catalog import COMMITMENT_TYPES, PROVIDERS

    return {
        "genai_costs.providers.registry": [p.client.partition(":")[0] for p in PROVIDERS],
        "genai_costs.providers.commitments.registry": [c.source for c in COMMITMENT_TYPES],
    }


def reach(archive: Path, start: str = "main") -> Reach:
    sources = python_sources(archive)
    imports = archive_imports(sources, packages_of(archive))
    dynamic = dynamic_imports()
    seen: set[str] = set()
    missing: list[Import] = []
    third_party: list[Import] = []
    queue = [start]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        queue += [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in sources]
        queue += [m for m in dynamic.get(module, ()) if m in sources]
        for imp in imports[module]:
            if origin(imp.targets[-1]) != "archive":
                if origin(imp.targets[-1]) == "third-party":
                    third_party.append(imp)
                continue
            loaded = next((t for t in imp.targets if t in sources), None)
            if loaded is None:
                missing.append(imp)
            else:
                queue.append(loaded)
    return Reach(seen, missing, third_party)
