"""Shared plumbing: run one measured step in a fresh Python subprocess and collect its figures.

Each step runs in its own interpreter so its peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``, the
kernel's high-water mark for that process) belongs to that step alone, not to an earlier, larger
one. The child prints one JSON line prefixed with ``BENCH_RESULT `` as its last act.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULT_PREFIX = "BENCH_RESULT "
REPO_ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mib() -> float:
    """High-water mark of this process's resident set, in MiB.

    Linux: ``VmHWM`` from /proc/self/status - the high-water mark of this program's own address
    space. ``ru_maxrss`` is NOT used there: the kernel carries it over from the parent across
    fork + exec, so a child of a big parent (the simulator) would report the parent's RSS.
    Elsewhere: ``ru_maxrss`` (KiB on Linux/BSD, bytes on macOS)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024.0 * 1024.0) if sys.platform == "darwin" else maxrss / 1024.0


def current_rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / (1024.0 * 1024.0)
    except Exception:  # pragma: no cover - psutil is installed in the venv
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024.0 * 1024.0)


def measure(fn: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    """Time ``fn`` and report RSS before it and the process peak after it."""
    before = current_rss_mib()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    extra = fn() or {}
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    # CPU seconds of this process during the step (all DuckDB threads): less sensitive than wall time
    # to other work on the machine; the 1-minute load average shows whether there was any.
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rss_before_mib": before,
        "peak_rss_mib": peak_rss_mib(),
        "loadavg_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
        **extra,
    }


def emit(result: dict[str, Any]) -> None:
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def run_child(module: str, args: Sequence[str], *, timeout: float | None = None, echo: bool = False) -> dict[str, Any]:
    """``python -m module *args`` in a fresh interpreter from the repo root; return its result."""
    cmd = [sys.executable, "-m", module, *map(str, args)]
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if echo and proc.stdout:
        for line in proc.stdout.splitlines():
            if not line.startswith(RESULT_PREFIX):
                print("    | " + line)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-25:])
        raise RuntimeError(f"step {' '.join(map(str, args))} failed (exit {proc.returncode}):\n{tail}")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(f"step {' '.join(map(str, args))} printed no result:\n{proc.stdout[-2000:]}")


def snapshot_sql(dest: Path) -> dict[str, Any]:
    """Copy the sql/ tree once and point every child at the copy (GENAI_COSTS_SQL_DIR), so files
    edited while a long benchmark runs cannot mix two versions within one run."""
    from genai_costs.paths import sql_root

    src = sql_root()
    shutil.copytree(src, dest, dirs_exist_ok=True)
    os.environ["GENAI_COSTS_SQL_DIR"] = str(dest)
    info: dict[str, Any] = {"sql_from": str(src)}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sql"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        info.update(git_head=head, sql_dirty=bool(dirty))
    except Exception:  # pragma: no cover - not a git checkout
        pass
    return info


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-markdown table (also readable in a terminal)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=False)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=False)) + " |" for r in cells[1:]]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
