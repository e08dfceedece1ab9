"""Shared paths and helpers for the offline Terraform checks."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
MODULE = TERRAFORM / "modules" / "genai_costs_org"
EXAMPLE = TERRAFORM / "examples" / "single_org"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tools.terraform_schema import check  # noqa: E402


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def hcl_regex_to_python(pattern: str) -> re.Pattern:
    """Terraform's regex() is RE2; the patterns used here ((?is), \\s, \\b, classes) mean the same in Python."""
    return re.compile(pattern)


def evaluate_procedures(sql_dir: Path, module_dir: Path = MODULE) -> dict[str, dict]:
    """Evaluate routines.tf's fileset() + regex() locals in Python, exactly as Terraform would."""
    loc = check.module_locals(module_dir)
    header = hcl_regex_to_python(loc["procedure_header_pattern"])
    body = hcl_regex_to_python(loc["procedure_body_pattern"])
    argument = hcl_regex_to_python(loc["procedure_argument_pattern"])
    aliases = loc["type_kind_aliases"]
    out = {}
    # fileset("<sql>/procedures", "*.sql"): files directly in the folder, sorted.
    for path in sorted((sql_dir / "procedures").glob("*.sql")):
        text = path.read_text()
        h = header.search(text)
        b = body.search(text)
        if not h or not b:
            raise AssertionError(f"{path}: routines.tf's regex() would fail (header={bool(h)}, body={bool(b)})")
        args = []
        for raw in h.group(2).split(","):
            if not raw.strip():
                continue
            m = argument.search(raw)
            if not m:
                raise AssertionError(f"{path}: argument {raw!r} does not match procedure_argument_pattern")
            args.append({"name": m.group(1), "typeKind": aliases.get(m.group(2).upper(), m.group(2).upper())})
        out[path.stem] = {"routine_id": h.group(1), "arguments": args, "definition_body": b.group(1)}
    return out


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    """A copy of terraform/ (module + example) to seed mistakes into."""
    dest = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, dest, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    return dest
