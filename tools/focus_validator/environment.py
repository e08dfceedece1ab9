"""The validator's own Python 3.12 environment, built once and reused.

focus-validator 2.2.1 needs Python >= 3.12 and numpy < 2, which the project's own environment
does not have, so it lives in ``.venv/focus-validator`` (removed by ``make clean``). A stamp
records the requirements it was built from; a changed requirements file rebuilds it.

    python -m tools.focus_validator.environment   # what `make focus-validator` runs
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REQUIREMENTS = HERE / "requirements.txt"
VENV = REPO / ".venv" / "focus-validator"
STAMP = VENV / ".installed-stamp"
PYTHON_ENV_VAR = "FOCUS_VALIDATOR_PYTHON"


class EnvironmentSetupError(RuntimeError):
    """Python 3.12 was found but the validator could not be installed."""


def _is_python_312(candidate: str) -> bool:
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == "True"


def _pyenv_root() -> Path:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        done = subprocess.run([pyenv, "root"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    return Path.home() / ".pyenv"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.parents[1].name))


def candidate_interpreters() -> list[str]:
    """Where a Python 3.12 may be: an explicit override, PATH, then pyenv's installed versions
    (pyenv's ``python3.12`` shim fails unless 3.12 is the selected version, so look behind it)."""
    found = [os.environ[PYTHON_ENV_VAR]] if os.environ.get(PYTHON_ENV_VAR) else []
    on_path = shutil.which("python3.12")
    if on_path:
        found.append(on_path)
    versions = sorted(_pyenv_root().glob("versions/3.12*/bin/python3.12"), key=_version_key, reverse=True)
    found.extend(str(p) for p in versions)
    return found


def find_python_312() -> str | None:
    return next((c for c in candidate_interpreters() if _is_python_312(c)), None)


def _wanted_stamp(python: str) -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    return json.dumps({"requirements_sha256": digest, "base_python": python}, sort_keys=True)


def validator_executable() -> Path:
    return VENV / "bin" / "focus-validator"


def currency_codes_file() -> Path:
    """The validator opens ``focus_validator/rules/currency_codes.csv`` relative to its working
    directory; this is the copy its wheel ships."""
    (path,) = VENV.glob("lib/python3.12/site-packages/focus_validator/rules/currency_codes.csv")
    return path


def ensure_environment() -> Path | None:
    """The validator's executable, building its environment if needed; None without Python 3.12."""
    python = find_python_312()
    if python is None:
        return None
    wanted = _wanted_stamp(python)
    if STAMP.exists() and STAMP.read_text() == wanted and validator_executable().exists():
        return validator_executable()
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    steps = ([python, "-m", "venv", "--clear", str(VENV)], [*pip, "-r", str(REQUIREMENTS)])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
            raise EnvironmentSetupError(f"{' '.join(step[:4])} ... failed ({done.returncode}):\n{tail}")
    STAMP.write_text(wanted)
    return validator_executable()


def main() -> int:
    try:
        executable = ensure_environment()
    except EnvironmentSetupError as error:
        print(f"focus-validator: {error}", file=sys.stderr)
        return 1
    if executable is None:
        print("focus-validator: no Python 3.12 found (PATH, pyenv); its test will be skipped")
    else:
        print(f"focus-validator: ready ({executable})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
