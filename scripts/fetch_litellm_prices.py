"""Extract LiteLLM's price data file from the pinned ``litellm`` wheel, without installing LiteLLM.

The price sync (``genai_costs.pricing``) reads two public sources. LiteLLM's is one JSON file inside
its wheel (``litellm/model_prices_and_context_window_backup.json``); the library around it (and its
dozens of dependencies) is never installed or imported. This script downloads the wheel pinned in
``functions/genai_costs/pricing/data/litellm.pin.json`` with ``pip download --no-deps`` (pip's cache
makes a second run offline), checks the member's SHA-256 against the pin, and writes it next to the
pin as ``litellm_model_prices.json``. The library ships inside every function archive, so the
deployed sync function carries the data file and nothing else of LiteLLM.

The member is the same file in every platform's wheel of a release (LiteLLM 1.110.2 builds
per-platform wheels only for a native extension), so one platform's wheel serves every machine.

Standard library only (plus pip), so it runs before the virtualenv has anything installed::

    python scripts/fetch_litellm_prices.py            # no-op when the file already matches the pin
    python scripts/fetch_litellm_prices.py --check    # exit 1 when the file is missing or differs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "functions" / "genai_costs" / "pricing" / "data"
PIN = DATA_DIR / "litellm.pin.json"
# Any platform's wheel holds the same data file; this one exists for every release.
WHEEL_PLATFORM = "manylinux_2_28_x86_64"


class FetchError(Exception):
    """The pinned file cannot be produced (download failed, member missing, hash mismatch)."""


def load_pin(path: Path = PIN) -> dict[str, str]:
    pin = json.loads(path.read_text(encoding="utf-8"))
    for key in ("package", "version", "member", "sha256", "bundled_as"):
        if not isinstance(pin.get(key), str) or not pin[key]:
            raise FetchError(f"{path}: '{key}' must be a non-empty string")
    return pin


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_current(pin: dict[str, str], target: Path) -> bool:
    return target.is_file() and sha256(target.read_bytes()) == pin["sha256"]


def download_wheel(pin: dict[str, str], into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        WHEEL_PLATFORM,
        "--python-version",
        "3.12",
        "--dest",
        str(into),
        f"{pin['package']}=={pin['version']}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise FetchError(f"pip download {pin['package']}=={pin['version']} failed:\n{result.stderr[-2000:]}")
    wheels = sorted(into.glob(f"{pin['package']}-{pin['version']}-*.whl"))
    if not wheels:
        raise FetchError(f"pip download produced no {pin['package']} {pin['version']} wheel")
    return wheels[0]


def extract_member(pin: dict[str, str], wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        try:
            data = archive.read(pin["member"])
        except KeyError as exc:
            raise FetchError(f"{wheel.name} has no {pin['member']}") from exc
    digest = sha256(data)
    if digest != pin["sha256"]:
        raise FetchError(
            f"{pin['member']} in {wheel.name} has sha256 {digest}, the pin says {pin['sha256']}: "
            "update litellm.pin.json only together with the version"
        )
    return data


def write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch(pin_path: Path = PIN) -> Path:
    pin = load_pin(pin_path)
    target = pin_path.parent / pin["bundled_as"]
    if is_current(pin, target):
        return target
    with tempfile.TemporaryDirectory(prefix="litellm-wheel-") as tmp:
        data = extract_member(pin, download_wheel(pin, Path(tmp)))
    write_atomically(target, data)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the extracted file against the pin")
    args = parser.parse_args(argv)
    try:
        if args.check:
            pin = load_pin()
            target = PIN.parent / pin["bundled_as"]
            if not is_current(pin, target):
                print(f"{target} is missing or differs from the pin; run make price-data", file=sys.stderr)
                return 1
            print(f"{target} matches {pin['package']} {pin['version']}")
            return 0
        target = fetch()
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    pin = load_pin()
    print(f"{target}: {pin['member']} from {pin['package']} {pin['version']} (sha256 {pin['sha256'][:12]}…)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
