"""scripts/package_functions.py: deterministic archives that install and import cleanly."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import MODULE, REPO, check

spec = importlib.util.spec_from_file_location("package_functions", REPO / "scripts" / "package_functions.py")
package_functions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package_functions)

# The functions Terraform deploys, with their functions-framework targets.
FUNCTIONS = {name: cfg["entry_point"] for name, cfg in check.module_locals(MODULE)["functions"].items()}
PIP_CACHE = REPO / ".pytest_cache" / "pip-cache"


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


def test_discovery_matches_terraform():
    discovered = set(package_functions.discover_functions())
    assert discovered <= set(FUNCTIONS), f"functions not deployed by Terraform: {discovered - set(FUNCTIONS)}"


def test_missing_requirements_is_a_clear_error(tmp_path: Path):
    (tmp_path / "functions" / "demo").mkdir(parents=True)
    (tmp_path / "functions" / "demo" / "main.py").write_text("def demo(event):\n    return None\n")
    with pytest.raises(package_functions.PackagingError, match=r"requirements\.txt is missing"):
        package_functions.archive_entries("demo", repo=tmp_path)


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
def test_archive_installs_in_a_clean_venv_and_exposes_its_target(name: str, tmp_path: Path):
    _require_sources(name)
    archive = package_functions.build_archive(name, tmp_path / "dist")
    src = tmp_path / "src"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(src)
    venv = tmp_path / "venv"
    subprocess.run([_runtime_python(), "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    PIP_CACHE.mkdir(parents=True, exist_ok=True)
    install = subprocess.run(
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--cache-dir",
            str(PIP_CACHE),
            "-r",
            str(src / "requirements.txt"),
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
    result = subprocess.run([str(py), "-c", probe, str(src)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode == 0 and "ok" in result.stdout, (
        f"importing {name}/main.py from its archive failed:\n{result.stderr[-3000:]}"
    )
