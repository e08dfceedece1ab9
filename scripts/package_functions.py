"""Build one deployable source archive per Cloud Function: ``dist/functions/<name>.zip``.

Each archive holds, at its root::

    main.py             the function's thin entry point
    requirements.txt    what the Cloud Functions Python buildpack installs
    genai_costs/        a copy of the shared library (no __pycache__)
    sql/                a copy of the SQL tree (the library finds it at <archive root>/sql)

and nothing the cloud does not run: the CLI, the report and the embedded pipeline live in
``cli/genai_costs_cli`` and the provider simulator in ``simulator/``, outside what is copied, and
the few library parts and queries no function runs are left out (``NOT_DEPLOYED``).

Archives are deterministic (sorted entries, fixed timestamps and permissions), so the same
sources give byte-identical zips and the same md5: Terraform names the uploaded object after
that hash, so an unchanged function is not redeployed.

Usage::

    python scripts/package_functions.py [--out dist/functions] [name ...]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIBRARY = "genai_costs"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# Library parts and SQL no function runs, left out with their dependencies: the embedded default's
# DuckDB warehouse and sealed local secret store (the factories import them, lazily, only when no
# Google Cloud project is set), the Pub/Sub publisher (no function publishes), and the report
# queries the CLI runs. tests/terraform/test_packages.py checks that no function reaches them except
# through such a lazy import.
NOT_DEPLOYED = (
    "genai_costs/warehouse/duckdb_backend.py",
    "genai_costs/warehouse/transpile.py",
    "genai_costs/warehouse/sqlcache.py",
    "genai_costs/secrets/local.py",
    "sql/reports/",
)
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


class PackagingError(Exception):
    """A function directory cannot be packaged (for example, no requirements.txt)."""


def discover_functions(repo: Path = REPO) -> list[str]:
    """Every ``functions/<name>/main.py`` except the shared library."""
    return sorted(p.parent.name for p in (repo / "functions").glob("*/main.py") if p.parent.name != LIBRARY)


def _tree(src: Path, prefix: str) -> list[tuple[str, Path]]:
    entries = []
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in files:
            path = Path(root) / name
            if path.suffix in SKIP_SUFFIXES:
                continue
            entries.append((f"{prefix}/{path.relative_to(src).as_posix()}", path))
    return entries


def archive_entries(name: str, repo: Path = REPO) -> list[tuple[str, Path]]:
    fn_dir = repo / "functions" / name
    for required in ("main.py", "requirements.txt"):
        if not (fn_dir / required).is_file():
            raise PackagingError(f"functions/{name}/{required} is missing: every function needs one to be deployed")
    entries = [("main.py", fn_dir / "main.py"), ("requirements.txt", fn_dir / "requirements.txt")]
    entries += _tree(repo / "functions" / LIBRARY, LIBRARY)
    entries += _tree(repo / "sql", "sql")
    return sorted(e for e in entries if not is_not_deployed(e[0]))


def is_not_deployed(arcname: str) -> bool:
    return any(arcname == path or (path.endswith("/") and arcname.startswith(path)) for path in NOT_DEPLOYED)


def build_archive(name: str, out_dir: Path, repo: Path = REPO) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.zip"
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, suffix=".zip.tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w") as zf:
            for arcname, path in archive_entries(name, repo):
                info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, whatever the build machine
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes(), compresslevel=9)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()  # same digest as Terraform's filemd5()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build deterministic Cloud Functions source archives.")
    parser.add_argument("names", nargs="*", help="functions to package (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "functions")
    args = parser.parse_args(argv)
    names = args.names or discover_functions()
    if not names:
        print("no functions/*/main.py found", file=sys.stderr)
        return 1
    try:
        for name in names:
            path = build_archive(name, args.out)
            print(f"{path}  md5={md5(path)}  {path.stat().st_size} bytes")
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
