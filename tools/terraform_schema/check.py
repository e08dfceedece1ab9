"""Offline checks of Terraform configurations: schema conformance and project policy.

``terraform validate`` needs the provider binary, which cannot be downloaded here. Instead every
``.tf`` file is parsed with python-hcl2 and compared with the google provider schema extracted
from the JSII assembly of ``cdktn-provider-google`` (see ``extract_google_schema.py``):

* every resource and data source type exists in the provider;
* every argument and nested block name exists at its level (``dynamic "x"`` is block ``x``);
* required arguments and required blocks are present, computed-only attributes are not set,
  single blocks (max_items = 1) appear at most once;
* module calls to local modules pass only declared variables and every variable without default.

``check_policy`` adds the project's security rules (no public invokers, no secret versions,
no project-wide data/secret roles, IAM bound to the module's own dataset and secrets, Pub/Sub
deliveries with an explicit retry policy and a dead-letter policy, BigQuery subscriptions with a
dead-letter policy and write_metadata) and the least-privilege
matrix of the per-function service accounts (``FUNCTION_ACCESS``), checked statically on the
IAM blocks and, with ``check_access_matrix``, on the access locals as Terraform evaluates them.

Nothing dynamic is resolved: expressions are strings, ``for_each`` is not expanded.

Usage::

    python -m tools.terraform_schema.check terraform/
"""

from __future__ import annotations

import copy
import difflib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2

HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "google_provider_schema.json.gz"

RESOURCE_META = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"}
MODULE_META = {"source", "version", "providers", "count", "for_each", "depends_on"}


# --------------------------------------------------------------------------------------------
# Loading HCL. Two python-hcl2 flavours exist in the wild (and checkov's bc-python-hcl2 ships
# the same ``hcl2`` package): the old one wraps every attribute value in a one-element list and
# keeps string escapes; python-hcl2 >= 5 does neither. Both are normalised to the newer shape:
# attributes are plain values, blocks are lists of dicts.
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _wraps_attributes() -> bool:
    return hcl2.loads("a = 1\n").get("a") == [1]


_ESCAPE = re.compile(r'\\(["\\nrt])')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], value)
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    return value


def _looks_like_block(body: Any) -> bool:
    return isinstance(body, dict) and all(isinstance(v, list) for k, v in body.items() if not k.startswith("__"))


def _normalise_body(body: dict) -> dict:
    out: dict = {}
    for key, value in body.items():
        if key.startswith("__"):
            continue
        if isinstance(value, list) and value and all(_looks_like_block(v) for v in value):
            out[key] = [_normalise_body(v) for v in value]
        elif isinstance(value, list) and len(value) == 1:
            out[key] = _unescape(value[0])
        else:
            out[key] = _unescape(value)
    return out


def _strip_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_meta(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_strip_meta(v) for v in value]
    return value


def load_hcl_text(text: str) -> dict:
    """The file's blocks and attributes, normalised. A copy: callers may change what they get."""
    return copy.deepcopy(_load_hcl_text(text))


@lru_cache(maxsize=512)
def _load_hcl_text(text: str) -> dict:
    # Keyed by the text: the checks read the same files many times (every local of every module,
    # the seeded-mistake cases change one file of thirty), and hcl2's lark parser costs ~0.1 s per file.
    raw = hcl2.loads(text)
    if not _wraps_attributes():
        return _strip_meta(raw)
    out: dict = {}
    for top, entries in raw.items():
        if top.startswith("__"):
            continue
        if top == "locals":
            out[top] = [_normalise_body(e) for e in entries]
        elif top in {"resource", "data"}:
            out[top] = [
                {t: {n: _normalise_body(b) for n, b in named.items()} for t, named in e.items()} for e in entries
            ]
        elif top in {"variable", "output", "module", "provider"}:
            out[top] = [{n: _normalise_body(b) for n, b in e.items()} for e in entries]
        elif top == "terraform":
            out[top] = [_normalise_body(e) for e in entries]
        else:
            out[top] = entries
    return out


def load_hcl(path: Path) -> dict:
    return load_hcl_text(Path(path).read_text())


def tf_files(root: Path) -> list[Path]:
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


@dataclass(frozen=True)
class Block:
    kind: str  # resource | data
    type: str
    name: str
    body: dict
    file: Path


def iter_blocks(root: Path, kinds: tuple[str, ...] = ("resource", "data")) -> Iterator[Block]:
    for path in tf_files(root):
        doc = load_hcl(path)
        for kind in kinds:
            for entry in doc.get(kind, []):
                for rtype, named in entry.items():
                    for name, body in named.items():
                        yield Block(kind, rtype, name, body, path)


def module_locals(module_dir: Path) -> dict:
    merged: dict = {}
    for path in tf_files(module_dir):
        for entry in load_hcl(path).get("locals", []):
            merged.update(entry)
    return merged


# --------------------------------------------------------------------------------------------
# Schema conformance
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def load_schema(path: Path = SCHEMA_PATH) -> dict:
    with gzip.open(path, "rt") as fh:
        return json.load(fh)


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _as_blocks(value: Any) -> list[dict] | None:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return value
    return None


def _check_body(body: dict, schema: dict, where: str, errors: list[str], top: bool) -> None:
    attributes: dict = schema.get("attributes", {})
    blocks: dict = schema.get("blocks", {})
    seen_blocks: dict[str, int] = {}
    for key, value in body.items():
        if top and key in RESOURCE_META:
            continue
        if key == "dynamic":
            for dyn in _as_blocks(value) or []:
                for dyn_name, dyn_body in dyn.items():
                    if dyn_name not in blocks:
                        errors.append(
                            f"{where}: unknown block '{dyn_name}' in dynamic{_suggest(dyn_name, list(blocks))}"
                        )
                        continue
                    seen_blocks[dyn_name] = seen_blocks.get(dyn_name, 0) + 2  # count unknown: never "too many"
                    for content in _as_blocks(dyn_body.get("content")) or []:
                        _check_body(content, blocks[dyn_name]["block"], f"{where}.{dyn_name}", errors, top=False)
            continue
        if key in blocks:
            bodies = _as_blocks(value)
            if bodies is None:
                errors.append(f"{where}: '{key}' is a block, write it as `{key} {{ ... }}`")
                continue
            seen_blocks[key] = seen_blocks.get(key, 0) + len(bodies)
            if blocks[key].get("max_items") == 1 and len(bodies) > 1:
                errors.append(f"{where}: block '{key}' may appear at most once")
            for sub in bodies:
                _check_body(sub, blocks[key]["block"], f"{where}.{key}", errors, top=False)
            continue
        if key in attributes:
            if attributes[key] == "computed":
                errors.append(f"{where}: '{key}' is computed by the provider and cannot be set")
            continue
        errors.append(f"{where}: unknown argument '{key}'{_suggest(key, list(attributes) + list(blocks))}")
    for name, flag in attributes.items():
        if flag == "required" and name not in body:
            errors.append(f"{where}: missing required argument '{name}'")
    for name, spec in blocks.items():
        if spec.get("min_items", 0) >= 1 and name not in seen_blocks:
            errors.append(f"{where}: missing required block '{name}'")


def _variables(module_dir: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in tf_files(module_dir):
        if path.parent != module_dir:
            continue
        for entry in load_hcl(path).get("variable", []):
            out.update(entry)
    return out


def check_schema(root: Path, schema: dict | None = None) -> list[str]:
    """Return one message per problem found in the ``.tf`` files under ``root``."""
    schema = schema or load_schema()
    errors: list[str] = []
    for block in iter_blocks(root):
        table = schema["resources"] if block.kind == "resource" else schema["data_sources"]
        where = f"{block.file}: {'data.' if block.kind == 'data' else ''}{block.type}.{block.name}"
        if not block.type.startswith("google_"):
            continue  # only the google provider's schema is known here
        if block.type not in table:
            errors.append(f"{where}: unknown {block.kind} type{_suggest(block.type, list(table))}")
            continue
        _check_body(block.body, table[block.type], where, errors, top=True)
    # Module calls to local modules.
    for path in tf_files(root):
        for entry in load_hcl(path).get("module", []):
            for name, body in entry.items():
                source = body.get("source", "")
                if not isinstance(source, str) or not source.startswith("."):
                    continue
                module_dir = (path.parent / source).resolve()
                variables = _variables(module_dir)
                where = f"{path}: module.{name}"
                for key in body:
                    if key not in MODULE_META and key not in variables:
                        errors.append(f"{where}: module has no variable '{key}'{_suggest(key, list(variables))}")
                for var_name, spec in variables.items():
                    if "default" not in spec and var_name not in body:
                        errors.append(f"{where}: missing required variable '{var_name}'")
    return errors


# --------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------

PUBLIC_MEMBERS = re.compile(r"\ball(authenticated)?users\b", re.IGNORECASE)
PROJECT_IAM = re.compile(r"^google_(project|folder|organization)_iam_(member|binding|policy)$")
FORBIDDEN_WIDE_ROLE = re.compile(r"roles/(secretmanager\.|bigquery\.(?!jobUser\b)|owner\b|editor\b)")
SECRET_NAME = re.compile(r"(api_?key|token|secret|password|passwd|credential|private_key)", re.IGNORECASE)
REF = re.compile(r"\b(google_[a-z0-9_]+)\.([a-z0-9_]+)\b")


def _refs(value: Any) -> set[str]:
    return {m.group(1) for m in REF.finditer(json.dumps(value))}


def _refs_with_names(value: Any) -> frozenset[str]:
    """Resource addresses (``type.name``) an expression refers to."""
    return frozenset(f"{m.group(1)}.{m.group(2)}" for m in REF.finditer(json.dumps(value)))


def _targets(body: dict, attr: str, allowed: str) -> bool:
    """True when ``body[attr]`` refers to a resource of type ``allowed`` (directly or through for_each)."""
    value = body.get(attr)
    if value is None:
        return False
    if allowed in _refs(value):
        return True
    return "each." in json.dumps(value) and allowed in _refs(body.get("for_each"))


# --------------------------------------------------------------------------------------------
# Per-function service accounts: the least-privilege matrix
# --------------------------------------------------------------------------------------------

JOB_USER = "roles/bigquery.jobUser"
DATA_EDITOR = "roles/bigquery.dataEditor"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
PUBLISHER = "roles/pubsub.publisher"


@dataclass(frozen=True)
class Access:
    """What one function's own service account may hold. Terraform may grant less (only what the
    enabled flows need), never more."""

    secrets: bool  # secretAccessor on this org's provider secrets (secret-level only)
    source_project_roles: frozenset[str] = frozenset()  # on the named Vertex AI / Gemini projects
    billing_export: bool = False  # bigquery.dataViewer on the Cloud Billing export dataset
    project_roles: frozenset[str] = frozenset()  # on the deployment project, besides JOB_USER
    alerts_publisher: bool = False  # pubsub.publisher on this org's alerts topic
    warehouse: bool = True  # JOB_USER on the deployment project (runs BigQuery jobs)
    writes_dataset: bool = True  # bigquery.dataEditor on its org dataset
    ledger_reader: bool = False  # bigquery.dataViewer on the run ledger table (genai_ingestion_runs) only
    publishes_flows: bool = False  # pubsub.publisher on this org's flow topics
    publishes_to: frozenset[str] = frozenset()  # PUBLISHER on these topics (resource addresses), nothing else
    reads_dataset: bool = False  # bigquery.dataViewer on its org dataset (a reader that writes no dataset)
    writes_tables: frozenset[str] = frozenset()  # DATA_EDITOR on these tables of its org dataset only


# Functions with ``warehouse`` also hold JOB_USER on the deployment project; record_usage holds
# neither JOB_USER nor DATA_EDITOR: it only publishes (its topic's BigQuery subscription writes).
FUNCTION_ACCESS: dict[str, Access] = {
    "budgets": Access(secrets=False),
    "consolidate": Access(secrets=False),
    # The cost queries read the org dataset and append uploaded billing exports to one raw table.
    "costs": Access(
        secrets=False,
        writes_dataset=False,
        reads_dataset=True,
        writes_tables=frozenset({'google_bigquery_table.org["genai_billing_imports_raw"]'}),
    ),
    # The alert channel secrets only (secrets.tf), never a provider secret: secret_readers lists none for it.
    "evaluate_budgets": Access(
        secrets=True, project_roles=frozenset({"roles/monitoring.metricWriter"}), alerts_publisher=True
    ),
    "ingest_commitment": Access(
        secrets=True,
        source_project_roles=frozenset({"roles/monitoring.viewer", "roles/aiplatform.viewer"}),
        billing_export=True,
    ),
    "ingest_payg": Access(
        secrets=True, source_project_roles=frozenset({"roles/monitoring.viewer"}), billing_export=True
    ),
    "onboard": Access(secrets=False),
    # Manual runs and the ledger: publishes the scheduler's messages, reads the ledger, writes nothing.
    "pipelines": Access(secrets=False, writes_dataset=False, ledger_reader=True, publishes_flows=True),
    # The price catalog's sync (public price data bundled in its archive) and the pricing API read no secret.
    "pricing_api": Access(secrets=False),
    "sync_prices": Access(secrets=False),
    "record_usage": Access(
        secrets=False,
        warehouse=False,
        writes_dataset=False,
        publishes_to=frozenset({"google_pubsub_topic.usage_events"}),
    ),
}
BILLING_EXPORT_ROLE = "roles/bigquery.dataViewer"
DATASET_READER = "roles/bigquery.dataViewer"
LEDGER_READER_ROLE = "roles/bigquery.dataViewer"
LEDGER_TABLE = 'google_bigquery_table.org["genai_ingestion_runs"]'
PUBLISHER_ROLE = "roles/pubsub.publisher"

FUNCTION_SA = re.compile(r"google_service_account\.fn\[([^\]]*)\]")
LOCAL_REF = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_]*)")
IAM_TYPE = re.compile(r"^google_[a-z0-9_]+_iam_(member|binding)$")


def _literals_behind(expr: Any, loc: dict, seen: set[str] | None = None) -> list[Any]:
    """The local values ``expr`` is computed from, following ``local.x`` references transitively."""
    seen = set() if seen is None else seen
    found: list[Any] = []
    for name in LOCAL_REF.findall(json.dumps(expr)):
        if name in seen or name not in loc:
            continue
        seen.add(name)
        found.append(loc[name])
        found.extend(_literals_behind(loc[name], loc, seen))
    return found


def _function_names(value: Any, functions: set[str]) -> set[str]:
    """Function names a literal table mentions: as a string, or as a key whose value is not empty."""
    names: set[str] = set()
    if isinstance(value, str) and value in functions:
        names.add(value)
    elif isinstance(value, dict):
        for key, sub in value.items():
            if key in functions and sub not in ([], {}, None, ""):
                names.add(key)
            names |= _function_names(sub, functions)
    elif isinstance(value, list):
        for sub in value:
            names |= _function_names(sub, functions)
    return names


def _entries(value: Any) -> Iterator[dict]:
    """Dicts of a literal table that name a ``function`` (rows of an access table)."""
    if isinstance(value, dict):
        if isinstance(value.get("function"), str):
            yield value
        for sub in value.values():
            yield from _entries(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _entries(sub)


def _grants(body: dict, loc: dict, functions: set[str]) -> set[tuple[str, str]] | None:
    """(function, role) pairs an IAM block grants to function service accounts; None when it
    cannot be told statically (the member or the role comes from somewhere this check cannot see)."""
    refs = [r.strip() for r in FUNCTION_SA.findall(json.dumps(body.get("member", "")).replace('\\"', '"'))]
    behind = _literals_behind(body.get("for_each"), loc)
    grantees: set[str] = set()
    for ref in refs:
        if ref.startswith('"') and ref.endswith('"'):
            grantees.add(ref.strip('"'))
        elif ref in {"each.key", "each.value.function"}:
            grantees |= {n for v in behind for n in _function_names(v, functions)}
        else:
            return None
    role = body.get("role", "")
    if isinstance(role, str) and role and "${" not in role:
        return {(fn, role) for fn in grantees}
    if role != "${each.value.role}":
        return None
    # A data-driven role: pair each function with the roles of its own rows of the access table.
    pairs = set()
    for entry in (e for v in behind for e in _entries(v)):
        roles = entry.get("roles", entry.get("role"))
        for r in [roles] if isinstance(roles, str) else roles or []:
            pairs.add((entry["function"], r))
    return pairs or None


def _check_function_identities(block: Block, loc: dict, errors: list[str]) -> None:
    where = f"{block.file}: {block.type}.{block.name}"
    body = block.body
    functions = set(loc.get("functions") or {})
    if block.type == "google_cloudfunctions2_function":
        email = json.dumps([c.get("service_account_email") for c in _as_blocks(body.get("service_config")) or []])
        if "google_service_account.fn[each.key].email" not in email:
            errors.append(
                f"{where}: each function must run as its own service account google_service_account.fn[each.key]"
            )
        return
    if not IAM_TYPE.match(block.type) or not FUNCTION_SA.search(json.dumps(body.get("member", ""))):
        return
    grants = _grants(body, loc, functions)
    if grants is None:
        errors.append(
            f"{where}: cannot tell which function gets which role: name the function literally or through "
            "each.key / each.value.function, and the role literally or through an access table in locals"
        )
        return
    for fn, role in sorted(grants):
        access = FUNCTION_ACCESS.get(fn)
        if access is None:
            errors.append(f"{where}: no access policy for function {fn} (tools/terraform_schema/check.py)")
            continue
        if block.type.startswith("google_secret_manager_"):
            allowed = {SECRET_ACCESSOR} if access.secrets else set()
        elif block.type.startswith("google_project_iam_"):
            own_project = body.get("project") == "${var.project_id}"
            own_roles = ({JOB_USER} if access.warehouse else set()) | access.project_roles
            allowed = own_roles if own_project else set(access.source_project_roles)
        elif block.type.startswith("google_bigquery_dataset_iam_"):
            own = "google_bigquery_dataset." in json.dumps(body.get("dataset_id", ""))
            if own:
                allowed = (
                    {DATA_EDITOR} if access.writes_dataset else {DATASET_READER} if access.reads_dataset else set()
                )
            else:
                allowed = {BILLING_EXPORT_ROLE} if access.billing_export else set()
        elif block.type.startswith("google_bigquery_table_iam_"):
            table_id = json.dumps(body.get("table_id", "")).replace('\\"', '"')
            allowed = {LEDGER_READER_ROLE} if access.ledger_reader and LEDGER_TABLE in table_id else set()
            if any(table in table_id for table in access.writes_tables):
                allowed.add(DATA_EDITOR)
        elif block.type.startswith("google_pubsub_topic_iam_"):
            alerts = "google_pubsub_topic.alerts." in json.dumps(body.get("topic", ""))
            topics = _refs_with_names(body.get("topic"))
            named = bool(topics) and topics <= access.publishes_to
            flow_topics = (
                not alerts
                and not named
                and _targets(body, "topic", "google_pubsub_topic")
                and "dead_letter" not in json.dumps(body.get("for_each", ""))
            )
            allowed = set()
            if (alerts and access.alerts_publisher) or (flow_topics and access.publishes_flows) or named:
                allowed = {PUBLISHER_ROLE}
        else:
            allowed = set()
        if role not in allowed:
            errors.append(f"{where}: function {fn} may not hold {role} here (allowed: {sorted(allowed) or 'nothing'})")


def check_access_matrix(evaluated: dict, org: dict) -> list[str]:
    """Check main.tf's access locals as Terraform evaluated them for ``org`` against FUNCTION_ACCESS."""
    errors: list[str] = []
    providers = set(org.get("providers", []))
    kinds = set(org.get("commitment_types", [])) | set(org.get("infrastructure_types", []))
    commitment_secrets = {evaluated["commitment_providers"][k] for k in kinds}
    readers: dict[str, set[str]] = {}
    for grant in evaluated["secret_grants"].values():
        readers.setdefault(grant["function"], set()).add(grant["provider"])
    for fn, secrets in readers.items():
        if not FUNCTION_ACCESS.get(fn, Access(secrets=False)).secrets:
            errors.append(f"secret_grants: {fn} reads secrets {sorted(secrets)} but may read none")
    if readers.get("ingest_payg", set()) != providers:
        errors.append(
            f"secret_grants: ingest_payg must read exactly the enabled providers' secrets {sorted(providers)}"
        )
    if readers.get("ingest_commitment", set()) != commitment_secrets:
        errors.append(
            f"secret_grants: ingest_commitment must read exactly {sorted(commitment_secrets)} "
            f"(the providers of the enabled commitment types), not {sorted(readers.get('ingest_commitment', set()))}"
        )
    for key, grant in evaluated["source_project_grants"].items():
        access = FUNCTION_ACCESS.get(grant["function"], Access(secrets=False))
        if grant["role"] not in access.source_project_roles:
            errors.append(f"source_project_grants[{key}]: {grant['function']} may not hold {grant['role']}")
    for fn in evaluated["billing_export_readers"]:
        if not FUNCTION_ACCESS.get(fn, Access(secrets=False)).billing_export:
            errors.append(f"billing_export_readers: {fn} may not read the billing export")
    writers = {fn for fn, access in FUNCTION_ACCESS.items() if access.writes_dataset}
    if set(evaluated["dataset_editors"]) != writers:
        errors.append(f"dataset_editors: exactly the writing functions {sorted(writers)} edit the org dataset")
    warehouse = {fn for fn, access in FUNCTION_ACCESS.items() if access.warehouse}
    if set(evaluated["warehouse_functions"]) != warehouse:
        errors.append(
            f"warehouse_functions: exactly {sorted(warehouse)} run BigQuery jobs, "
            f"not {sorted(evaluated['warehouse_functions'])}"
        )
    return errors


ACCESS_LOCALS = (
    "billing_export_readers",
    "commitment_providers",
    "dataset_editors",
    "function_env",
    "secret_grants",
    "source_project_grants",
    "warehouse_functions",
)


class TerraformEvaluationError(Exception):
    """``terraform apply`` of the module's variable-only files failed (e.g. a validation rule)."""


@dataclass(frozen=True)
class Evaluation:
    values: dict  # local name -> value, as Terraform computed it
    warnings: list[str]  # failed `check` block assertions (Terraform reports them as warnings)


def evaluate_locals(
    module_dir: Path, variables: dict, names: tuple[str, ...] = ACCESS_LOCALS, *, binary: str = "terraform"
) -> Evaluation:
    """Evaluate locals with a real ``terraform apply`` of the module's variable-only files.

    Files with no resource, data or module block (variables.tf, main.tf) need no provider, so
    Terraform runs them offline: validation rules, check blocks and every local computed from
    variables alone behave exactly as in a real plan. The locals named in ``names`` come back
    as JSON; a failing validation raises TerraformEvaluationError with Terraform's message.
    """
    with tempfile.TemporaryDirectory(prefix="tf-locals-") as tmp:
        work = Path(tmp)
        for path in tf_files(module_dir):
            if path.parent != Path(module_dir):
                continue
            doc = load_hcl(path)
            if not any(doc.get(k) for k in ("resource", "data", "module", "output", "terraform", "provider")):
                shutil.copy(path, work / path.name)
        # Data files the module reads with file() (the rendered provider catalog) travel with it.
        for data in Path(module_dir).glob("*.json"):
            shutil.copy(data, work / data.name)
        outputs = "".join(f'output "{n}" {{\n  value = local.{n}\n}}\n' for n in names)
        (work / "zz_evaluate_outputs.tf").write_text(outputs)
        (work / "terraform.tfvars.json").write_text(json.dumps(variables))
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
        env.setdefault("TF_CLI_CONFIG_FILE", os.devnull)
        run = subprocess.run(
            [binary, "init", "-input=false", "-no-color"], cwd=work, env=env, capture_output=True, text=True
        )
        if run.returncode != 0:
            raise TerraformEvaluationError(run.stderr.strip() or run.stdout.strip())
        run = subprocess.run(
            [binary, "apply", "-auto-approve", "-input=false", "-json"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        diagnostics = [json.loads(line).get("diagnostic") for line in run.stdout.splitlines() if line.startswith("{")]
        diagnostics = [d for d in diagnostics if d]
        if run.returncode != 0:
            errors = [f"{d['summary']}: {d.get('detail', '')}" for d in diagnostics if d.get("severity") == "error"]
            raise TerraformEvaluationError("\n".join(errors) or run.stderr.strip())
        warnings = [d.get("detail", "") for d in diagnostics if d.get("summary") == "Check block assertion failed"]
        out = subprocess.run([binary, "output", "-json"], cwd=work, env=env, capture_output=True, text=True, check=True)
        values = {name: spec["value"] for name, spec in json.loads(out.stdout).items()}
        return Evaluation(values, warnings)


def check_policy(root: Path) -> list[str]:
    errors: list[str] = []
    for path in tf_files(root):
        doc = load_hcl(path)
        # Every value that can reach an API: resources, data sources, locals, module arguments,
        # variable defaults (variable validations and descriptions may name the members they forbid).
        reachable = [doc.get(k, []) for k in ("resource", "data", "locals", "module")]
        reachable += [spec.get("default") for entry in doc.get("variable", []) for spec in entry.values()]
        if PUBLIC_MEMBERS.search(json.dumps(reachable)):
            errors.append(f"{path}: public member (allUsers/allAuthenticatedUsers)")
        for entry in doc.get("variable", []):
            for name, spec in entry.items():
                if SECRET_NAME.search(name) or SECRET_NAME.search(json.dumps(spec.get("type", ""))):
                    errors.append(f"{path}: variable '{name}' looks like it carries a secret value")
    locals_by_dir: dict[Path, dict] = {}
    for block in iter_blocks(root):
        where = f"{block.file}: {block.type}.{block.name}"
        body = block.body
        if block.type.startswith("google_secret_manager_secret_version") or block.type.startswith(
            "google_secret_manager_regional_secret_version"
        ):
            errors.append(f"{where}: secret versions must be added out of band, never by Terraform")
        loc = locals_by_dir.setdefault(block.file.parent, module_locals(block.file.parent))
        if PROJECT_IAM.match(block.type):
            granted = _grants(body, loc, set(loc.get("functions") or {})) or set()
            roles = {json.dumps(body.get("role", "")), json.dumps(body.get("binding", ""))} | {r for _, r in granted}
            if any(FORBIDDEN_WIDE_ROLE.search(r) for r in roles):
                errors.append(f"{where}: data or secret role granted project-wide ({body.get('role')})")
        _check_function_identities(block, loc, errors)
        if block.type.startswith("google_secret_manager_secret_iam_") and not _targets(
            body, "secret_id", "google_secret_manager_secret"
        ):
            errors.append(f"{where}: secret IAM must target this module's google_secret_manager_secret")
        if block.type.startswith("google_bigquery_dataset_iam_") and not (
            _targets(body, "dataset_id", "google_bigquery_dataset")
            or (
                body.get("dataset_id") == "${var.gcp_sources.billing_export.dataset_id}"
                and body.get("role") == BILLING_EXPORT_ROLE
            )
        ):
            errors.append(
                f"{where}: dataset IAM must target this module's google_bigquery_dataset "
                "(or grant bigquery.dataViewer on var.gcp_sources.billing_export)"
            )
        if block.type.startswith(
            ("google_secret_manager_secret_iam_", "google_bigquery_dataset_iam_")
        ) and not _targets(body, "member", "google_service_account"):
            errors.append(f"{where}: data and secret access must go to this module's service account")
        if block.type == "google_cloudfunctions2_function":
            for trigger in _as_blocks(body.get("event_trigger")) or []:
                if trigger.get("retry_policy") not in {"RETRY_POLICY_RETRY", "RETRY_POLICY_DO_NOT_RETRY"}:
                    errors.append(f"{where}: event_trigger needs an explicit retry_policy")
                errors.append(
                    f"{where}: event_trigger subscriptions are managed by Eventarc and cannot be dead-lettered "
                    "from Terraform; deliver through an explicit push subscription"
                )
        if block.type == "google_pubsub_subscription" and body.get("push_config"):
            dlq = _as_blocks(body.get("dead_letter_policy")) or []
            if not dlq or not dlq[0].get("dead_letter_topic"):
                errors.append(f"{where}: push subscription without dead_letter_policy")
            if not _as_blocks(body.get("retry_policy")):
                errors.append(f"{where}: push subscription without an explicit retry_policy")
        if block.type == "google_pubsub_subscription" and body.get("bigquery_config"):
            dlq = _as_blocks(body.get("dead_letter_policy")) or []
            if not dlq or not dlq[0].get("dead_letter_topic"):
                errors.append(f"{where}: BigQuery subscription without dead_letter_policy (refused rows would be lost)")
            for config in _as_blocks(body.get("bigquery_config")) or []:
                if config.get("write_metadata") is not True:
                    errors.append(f"{where}: BigQuery subscription without write_metadata (message ids for dedup)")
        if block.type in {
            "google_cloud_run_v2_service_iam_member",
            "google_cloudfunctions2_function_iam_member",
        } and PUBLIC_MEMBERS.search(json.dumps(body.get("member", ""))):
            errors.append(f"{where}: public invoker")
    return errors


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    root = Path(args[0] if args else "terraform")
    errors = check_schema(root) + check_policy(root)
    for e in errors:
        print(e)
    print(f"{len(errors)} problem(s) in {len(tf_files(root))} file(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
