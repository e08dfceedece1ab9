"""Cold-start import time of each deployed function, from its real archive.

Cloud Functions pays the import of ``main.py`` (and everything it pulls in) on every cold start.
For each function this builds the archive ``scripts/package_functions.py`` ships, unpacks it, and
imports ``main`` in a fresh interpreter that sees only the archive and the installed runtime
dependencies (the project's venv), several times; it prints the median and best wall time of the
import and the three heaviest top-level packages from ``-X importtime``.

    python -m bench.cold_start [--runs 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_spec = importlib.util.spec_from_file_location("package_functions", REPO / "scripts" / "package_functions.py")
assert _spec and _spec.loader
package_functions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(package_functions)

# The child sees the archive first and none of the repository's own source trees.
_PROBE = "import sys; sys.path.insert(0, sys.argv[1]); import main"


def _import_once(src: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-S", "-c", _site_then(_PROBE), str(src)], check=True, cwd=src)
    return time.perf_counter() - started


def _site_then(code: str) -> str:
    # -S keeps the editable install's path hooks (which expose the repository's functions/) out;
    # site-packages is added back explicitly so third-party dependencies resolve as in the cloud.
    return "import site; site.main(); import sys; sys.path[:] = [p for p in sys.path if '/functions' not in p]; " + code


def _interpreter_alone() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-S", "-c", _site_then("pass")], check=True)
    return time.perf_counter() - started


def _heaviest(src: Path, top: int = 3) -> list[tuple[str, float]]:
    run = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", _site_then(_PROBE), str(src)],
        check=True,
        cwd=src,
        capture_output=True,
        text=True,
    )
    cumulative: dict[str, float] = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not cum.isdigit() or name.startswith(" ") or "." in name or name == "main":
            continue
        cumulative[name] = cumulative.get(name, 0.0) + int(cum) / 1e6
    return sorted(cumulative.items(), key=lambda kv: kv[1], reverse=True)[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="imports per function (median reported)")
    args = parser.parse_args(argv)
    baseline = statistics.median(_interpreter_alone() for _ in range(args.runs))
    print(f"interpreter start alone: {baseline * 1000:.0f} ms (subtracted below)")
    print(f"{'function':<20} {'median ms':>10} {'best ms':>8}  heaviest imports (cumulative s)")
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        for name in package_functions.discover_functions():
            archive = package_functions.build_archive(name, Path(tmp))
            src = Path(tmp) / name
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(src)
            _import_once(src)  # warm the OS page cache and write .pyc files, as a deployed image has them
            times = [_import_once(src) - baseline for _ in range(args.runs)]
            heavy = ", ".join(f"{pkg} {secs:.2f}" for pkg, secs in _heaviest(src))
            print(f"{name:<20} {statistics.median(times) * 1000:>10.0f} {min(times) * 1000:>8.0f}  {heavy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
