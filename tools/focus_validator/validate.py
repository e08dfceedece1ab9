"""Run the FinOps Foundation's focus-validator with the FOCUS 1.3 rules and read its verdicts.

The validator exits 0 whatever it finds, so the verdicts come from its JUnit XML: one
``<testcase name="<rule id> :: <function>">`` per rule, with ``<failure>``, ``<error>`` or
``<skipped>`` inside when the rule did not pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

RULES_DIR = Path(__file__).resolve().parent / "rules"
FOCUS_VERSION = "1.3"

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class RuleVerdict:
    rule_id: str
    status: Status
    message: str = ""


@dataclass
class ValidationRun:
    dataset: str
    data_file: Path
    verdicts: dict[str, RuleVerdict]
    seconds: float

    def ids(self, status: Status) -> set[str]:
        return {v.rule_id for v in self.verdicts.values() if v.status == status}

    def counts(self) -> dict[str, int]:
        by_status = Counter(v.status for v in self.verdicts.values())
        return {"run": len(self.verdicts), **{s: by_status.get(s, 0) for s in ("passed", "failed", "skipped")}}


class ValidatorError(RuntimeError):
    """The validator did not run to completion (a crash, not a rule failure)."""


def parse_junit(xml_file: Path) -> dict[str, RuleVerdict]:
    verdicts: dict[str, RuleVerdict] = {}
    for case in ET.parse(xml_file).getroot().iter("testcase"):
        rule_id = case.get("name", "").split(" :: ")[0].strip()
        status: Status = "passed"
        message = ""
        for tag, meaning in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
            element = case.find(tag)
            if element is not None:
                status, message = meaning, element.get("message") or (element.text or "").strip()
                break
        verdicts[rule_id] = RuleVerdict(rule_id, status, message)
    return verdicts


def run_validator(
    executable: Path,
    currency_codes: Path,
    data_file: Path,
    dataset: str,
    junit_xml: Path,
    *,
    only_rules: str | None = None,
    timeout: int = 600,
) -> ValidationRun:
    """Validate one Parquet file as ``dataset`` (CostAndUsage or ContractCommitment), offline,
    with every applicability criterion claimed, so no conditional rule is left out.
    ``only_rules`` keeps the rules whose id contains it (the validator's ``--filter-rules``)."""
    junit_xml.unlink(missing_ok=True)
    command = [
        str(executable),
        "--data-file", str(data_file),
        "--validate-version", FOCUS_VERSION,
        "--rule-set-path", str(RULES_DIR),
        "--block-download",
        "--focus-dataset", dataset,
        "--applicability-criteria", "ALL",
        "--output-type", "unittest",
        "--output-destination", str(junit_xml),
    ]  # fmt: skip
    if only_rules:
        command += ["--filter-rules", only_rules]
    with tempfile.TemporaryDirectory(prefix="focus-validator-") as workdir:
        # It opens focus_validator/rules/currency_codes.csv relative to its working directory.
        rules = Path(workdir) / "focus_validator" / "rules"
        rules.mkdir(parents=True)
        shutil.copyfile(currency_codes, rules / "currency_codes.csv")
        started = time.monotonic()
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
        seconds = time.monotonic() - started
    if done.returncode != 0 or not junit_xml.exists():
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise ValidatorError(f"focus-validator failed on {data_file} ({done.returncode}):\n{tail}")
    return ValidationRun(dataset, data_file, parse_junit(junit_xml), seconds)


@dataclass(frozen=True)
class RulesModel:
    """What the triage needs from the requirements model: which rules each composite rule is made
    of (its CheckModelRule items, at any depth) and each rule's requirement text."""

    children: dict[str, set[str]]
    requirements: dict[str, str]

    @classmethod
    def load(cls, model_file: Path = RULES_DIR / "model-1.3.json") -> RulesModel:
        rules = json.loads(model_file.read_text())["ModelRules"]

        def referenced(node: object) -> Iterable[str]:
            if isinstance(node, dict):
                if node.get("CheckFunction") == "CheckModelRule" and "ModelRuleId" in node:
                    yield node["ModelRuleId"]
                for value in node.values():
                    yield from referenced(value)
            elif isinstance(node, list):
                for item in node:
                    yield from referenced(item)

        children = {rid: set(referenced(r["ValidationCriteria"]["Requirement"])) for rid, r in rules.items()}
        requirements = {rid: r["ValidationCriteria"]["MustSatisfy"] for rid, r in rules.items()}
        return cls({rid: kids for rid, kids in children.items() if kids}, requirements)


@dataclass
class Triage:
    """Every failed rule sorted into exactly one bucket."""

    allowed: dict[str, str] = field(default_factory=dict)  # rule id -> why it is allowed
    follows_allowed: set[str] = field(default_factory=set)  # composites failing only through allowed rules
    unexpected: set[str] = field(default_factory=set)  # rules failing in their own right
    follows_unexpected: set[str] = field(default_factory=set)  # composites failing through unexpected rules
    stale: set[str] = field(default_factory=set)  # allowed rules that no longer fail


def triage(run: ValidationRun, allowed: Mapping[str, str], children: Mapping[str, set[str]]) -> Triage:
    failed = run.ids("failed")
    result = Triage(allowed={rid: why for rid, why in allowed.items() if rid in failed})
    result.stale = {rid for rid in allowed if rid not in failed}

    def failed_leaves(rule_id: str, seen: set[str]) -> set[str]:
        leaves: set[str] = set()
        for child in children.get(rule_id, ()):
            if child in seen:
                continue
            seen.add(child)
            if child in children:
                leaves |= failed_leaves(child, seen)
            elif child in failed:
                leaves.add(child)
        return leaves

    for rule_id in failed - set(allowed):
        leaves = failed_leaves(rule_id, set()) if rule_id in children else set()
        if not leaves:
            result.unexpected.add(rule_id)
        elif leaves <= set(allowed):
            result.follows_allowed.add(rule_id)
        else:
            result.follows_unexpected.add(rule_id)
    return result
