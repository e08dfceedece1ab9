"""scripts/package_functions.py: deterministic archives that hold only what the functions run, and
install and import cleanly from their own requirements.txt."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .archive_imports import LIBRARY, archive_imports, packages_of, python_sources, reach
from .conftest import MODULE, REPO, check

spec = importlib.util.spec_from_file_location("package_functions", REPO / "scripts" / "package_functions.py")
package_functions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package_functions)

# The functions Terraform deploys, with their functions-framework targets.
FUNCTIONS = {name: cfg["entry_point"] for name, cfg in check.module_locals(MODULE)["functions"].items()}
PIP_CACHE = REPO / ".pytest_cache" / "pip-cache"
# What only the CLI runs: the command and report (typer, rich), the simulator (flask, werkzeug, cbor2),
# the embedded warehouse (duckdb), the sealed local secret store (cryptography). Pub/Sub is not listed:
# the alerting channel imports it inside the send path, and the function that sends alerts ships it
# (test_every_library_module_a_function_reaches_is_in_its_archive checks module-level imports); the
# pipelines function publishes with it and ships it. Nor is werkzeug: functions-framework installs it
# (through flask) in every function, and the pipelines function routes its endpoints with it.
NOT_DEPLOYED_IMPORTS = {"typer", "rich", "flask", "cbor2", "duckdb", "cryptography", "provider_sim"}
NOT_DEPLOYED_IMPORTS |= {"genai_costs_cli"}


def _require_sources(name: str) -> None:
    fn_dir = REPO / "functions" / name
    missing = [f for f in ("main.py", "requirements.txt") if not (fn_dir / f).is_file()]
    if missing:
        pytest.fail(f"functions/{name} has no {', '.join(missing)}: the function cannot be packaged or deployed")


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_archive_is_deterministic_and_complete(name: str, tmp_path: Path):
    _require_sources(name)
    first = package_functions.build_archive(name, tmp_path / "a")
    os.utime(REPO / "functions" / name / "main.py")  # a new mtime must not change the archive
    second = package_functions.build_archive(name, tmp_path / "b")
    assert _md5(first) == _md5(second)
    with zipfile.ZipFile(first) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {"main.py", "requirements.txt", "genai_costs/__init__.py"} <= set(names)
        assert any(n.startswith("sql/tables/") for n in names)
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
        assert {i.date_time for i in zf.infolist()} == {package_functions.FIXED_DATE}


def _requirement_names(lines: list[str]) -> dict[str, str]:
    """Requirement lines (comments and blanks skipped) by normalised project name."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9._-]+", line).group(0)
            found[re.sub(r"[-_.]+", "-", name).lower()] = line.replace(" ", "")
    return found


def _function_requirements(name: str) -> dict[str, str]:
    return _requirement_names((REPO / "functions" / name / "requirements.txt").read_text().splitlines())


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_archive_holds_no_cli_report_or_simulator_code(name: str, tmp_path: Path):
    _require_sources(name)
    archive = package_functions.build_archive(name, tmp_path)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert {n.split("/")[0] for n in names} == {"main.py", "requirements.txt", LIBRARY, "sql"}
    for gone in ("genai_costs/cli.py", "genai_costs/reporting.py", "genai_costs/local/", "sql/reports/"):
        assert not any(n.startswith(gone) for n in names), f"{gone} is in the {name} archive"
    assert not any(package_functions.is_not_deployed(n) for n in names)
    local_imports = sorted(
        f"{module}: {imp.statement}"
        for module, imports in archive_imports(python_sources(archive), packages_of(archive)).items()
        for imp in imports
        if {t.split(".")[0] for t in imp.targets} & NOT_DEPLOYED_IMPORTS
        or {".".join(t.split(".")[:3]) for t in imp.targets} & NOT_DEPLOYED_IMPORTS
    )
    assert not local_imports, f"the {name} archive imports what only a local run installs: {local_imports}"


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_library_module_a_function_reaches_is_in_its_archive(name: str, tmp_path: Path):
    """A module left out (NOT_DEPLOYED) may only be imported lazily, on the embedded-only path; a
    module-level import of it would fail the function at cold start."""
    _require_sources(name)
    reached = reach(package_functions.build_archive(name, tmp_path))
    # The event functions go through handlers; the pipelines, budgets and costs HTTP functions through their routes.
    through = {"pipelines": "pipeline_endpoints", "budgets": "budgets.api", "costs": "costs.api"}.get(name, "handlers")
    assert "main" in reached.modules and f"{LIBRARY}.{through}" in reached.modules
    wrong = [
        f"{imp.importer}: {imp.statement}"
        + ("" if imp.lazy else " (at module level)")
        + ("" if _left_out(imp) else " (not a NOT_DEPLOYED module either)")
        for imp in reached.missing
        if not (imp.lazy and _left_out(imp))
    ]
    assert not wrong, f"{name} reaches library modules its archive does not carry: {wrong}"


def _left_out(imp) -> bool:
    return any(
        package_functions.is_not_deployed(target.replace(".", "/") + ".py")
        or package_functions.is_not_deployed(target.replace(".", "/") + "/__init__.py")
        for target in imp.targets
    )


def test_local_only_paths_exist():
    """A NOT_DEPLOYED entry that no longer matches a file would let the code it meant to keep out ship."""
    for path in package_functions.NOT_DEPLOYED:
        where = REPO / ("functions" if path.startswith(f"{LIBRARY}/") else "") / path
        assert where.exists(), f"scripts/package_functions.py NOT_DEPLOYED names {path}, which does not exist"


def test_library_dependencies_are_what_the_functions_require():
    """pyproject's runtime dependencies are the union of functions/*/requirements.txt, same bounds."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = _requirement_names(project["dependencies"])
    union: dict[str, str] = {}
    for name in sorted(FUNCTIONS):
        for req, line in _function_requirements(name).items():
            assert runtime.get(req) == line, f"functions/{name}/requirements.txt: {line}; pyproject: {runtime.get(req)}"
            union[req] = line
    assert union == runtime, f"runtime dependencies no function requires: {sorted(set(runtime) - set(union))}"


def test_discovery_matches_terraform():
    discovered = set(package_functions.discover_functions())
    assert discovered <= set(FUNCTIONS), f"functions not deployed by Terraform: {discovered - set(FUNCTIONS)}"


def test_missing_requirements_is_a_clear_error(tmp_path: Path):
    (tmp_path / "functions" / "demo").mkdir(parents=True)
    (tmp_path / "functions" / "demo" / "main.py").write_text("def demo(event):\n    return None\n")
    with pytest.raises(package_functions.PackagingError, match=r"requirements\.txt is missing"):
        package_functions.archive_entries("demo", repo=tmp_path)


def _pip_sources() -> list[str]:
    """The machine's pip indexes and wheel folders (pip.conf / PIP_* settings), passed on to uv."""
    found = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout
    args: list[str] = []
    for line in found.splitlines():
        key, _, value = line.partition("=")
        values = value.strip().strip("'\"").split()
        if key.endswith((".extra-index-url", ".index-url")):
            flag = "--extra-index-url" if "extra" in key else "--index-url"
            args += [a for v in values for a in (flag, v)]
        elif key.endswith(".find-links"):
            args += [a for v in values for a in ("--find-links", v)]
        elif key.endswith(".constraint"):
            args += [a for v in values for a in ("--constraint", v)]
    return args


def _runtime_python() -> str:
    """Cloud Functions runs python312: use a working Python 3.12 when the machine has one."""
    candidates = [shutil.which("python3.12")]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys, venv; assert sys.version_info[:2] == (3, 12)"], capture_output=True
        )
        if probe.returncode == 0:
            return candidate
    return sys.executable


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_archive_installs_in_a_clean_venv_and_exposes_its_target(name: str, tmp_path: Path, worker_id: str):
    _require_sources(name)
    archive = package_functions.build_archive(name, tmp_path / "dist")
    src = tmp_path / "src"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(src)
    # A new venv for every function, always at the same path (one per xdist worker), beside uv's
    # cache so that its files are hard links with the cache's timestamps: the bytecode compiled for
    # google-cloud-*, protobuf, grpc and pydantic under PYTHONPYCACHEPREFIX stays valid from one
    # function's venv to the next (Python checks each .pyc against its source's path, mtime and size),
    # instead of being compiled again for each of the functions.
    venv = PIP_CACHE.parent / "function-venvs" / worker_id
    shutil.rmtree(venv, ignore_errors=True)
    py = venv / "bin" / "python"
    PIP_CACHE.mkdir(parents=True, exist_ok=True)
    # uv resolves and installs exactly what `pip install -r requirements.txt` would, from the same
    # indexes, but links wheels from its cache instead of unpacking them: seconds, not minutes, per function.
    uv = [str(Path(sys.executable).parent / "uv")]
    subprocess.run([*uv, "venv", "--quiet", "--python", _runtime_python(), str(venv)], check=True)
    install = subprocess.run(
        [
            *uv,
            *("pip", "install", "--quiet", "--python", str(py), "--cache-dir", str(PIP_CACHE)),
            *(
                "--link-mode",
                "hardlink",
                "--index-strategy",
                "unsafe-best-match",
            ),  # pip's rule: the best version across every index
            *_pip_sources(),
            *("-r", str(src / "requirements.txt")),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, f"pip install -r requirements.txt failed for {name}:\n{install.stderr[-3000:]}"
    target = FUNCTIONS[name]
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import main; "
        f"fn = getattr(main, {target!r}, None); "
        f"assert callable(fn), 'main.py has no callable {target}'; print('ok')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "GENAI_COSTS_"))}
    env["PYTHONPYCACHEPREFIX"] = str(PIP_CACHE.parent / "function-pycache" / worker_id)
    result = subprocess.run([str(py), "-c", probe, str(src)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0 and "ok" in result.stdout, (
        f"importing {name}/main.py from its archive failed:\n{result.stderr[-3000:]}"
    )
    # requirements.txt is complete: every module the function can reach imports, and every
    # third-party import statement in them runs, lazy ones included (they run in the cloud on first
    # use). And it holds nothing the function never imports.
    reached = reach(archive)
    plan = {
        "src": str(src),
        "modules": sorted(m for m in reached.modules if m != "main"),
        "statements": sorted({(imp.statement, imp.targets) for imp in reached.third_party}),
        "requirements": sorted(_function_requirements(name)),
    }
    probe_cmd = [str(py), "-c", COMPLETENESS_PROBE]
    result = subprocess.run(probe_cmd, input=json.dumps(plan), capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0, f"completeness probe failed for {name}:\n{result.stderr[-3000:]}"
    outcome = json.loads(result.stdout)
    assert not outcome["failures"], f"{name}: imports its requirements.txt does not satisfy: {outcome['failures']}"
    assert not outcome["unused"], f"{name}: requirements.txt lists what the function never imports: {outcome['unused']}"


# Runs in the function's clean venv; reads the plan on stdin, prints what failed and what is unused.
COMPLETENESS_PROBE = """
import importlib, importlib.metadata as md, json, sys
plan = json.load(sys.stdin)
sys.path.insert(0, plan["src"])
failures, used = [], set()
for module in plan["modules"]:
    try:
        importlib.import_module(module)
    except Exception as exc:
        failures.append(f"import {module}: {type(exc).__name__}: {exc}")
for statement, targets in plan["statements"]:
    try:
        exec(statement, {})
    except Exception as exc:
        failures.append(f"{statement}: {type(exc).__name__}: {exc}")
    else:
        used.add(next(t for t in targets if t in sys.modules))
unused = []
for requirement in plan["requirements"]:
    provided = {
        str(f).removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for f in md.files(requirement) or []
        if f.suffix == ".py"
    }
    if not used & provided:
        unused.append(requirement)
print(json.dumps({"failures": failures, "unused": unused}))
"""
