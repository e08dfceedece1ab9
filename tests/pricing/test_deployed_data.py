"""The deployed sync function carries LiteLLM's price data file and nothing of LiteLLM's runtime."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _package_functions():
    spec = importlib.util.spec_from_file_location("package_functions", REPO / "scripts" / "package_functions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sync_archive_carries_the_pinned_data_file_and_reads_it(tmp_path):
    archive = _package_functions().build_archive("sync_prices", tmp_path / "dist")
    pin = json.loads((REPO / "functions/genai_costs/pricing/data/litellm.pin.json").read_text())
    member = f"genai_costs/pricing/data/{pin['bundled_as']}"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert hashlib.sha256(zf.read(member)).hexdigest() == pin["sha256"]
        zf.extractall(tmp_path / "src")
    assert not any(n.startswith("litellm/") for n in names)  # the data file only, no LiteLLM library
    assert "sql/seed/price_review.csv" in names  # the project's review decisions travel with the function
    assert "genai-prices==0.2.3" in (tmp_path / "src" / "requirements.txt").read_text().splitlines()
    assert not any(
        line.startswith("litellm") for line in (tmp_path / "src" / "requirements.txt").read_text().splitlines()
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from genai_costs.pricing import litellm_data; "
        "assert litellm_data.__file__.startswith(sys.argv[1]), litellm_data.__file__; "
        "data = litellm_data.load_bundled(); print(data.version, len(data.entries)); "
        "assert 'litellm' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "src")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    version, entries = result.stdout.split()
    assert version == pin["version"] and int(entries) > 1000
