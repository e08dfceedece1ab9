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
deliveries with an explicit retry policy and a dead-letter policy).

Nothing dynamic is resolved: expressions are strings, ``for_each`` is not expanded.

Usage::

    python -m tools.terraform_schema.check terraform/
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
import sys
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


def _targets(body: dict, attr: str, allowed: str) -> bool:
    """True when ``body[attr]`` refers to a resource of type ``allowed`` (directly or through for_each)."""
    value = body.get(attr)
    if value is None:
        return False
    if allowed in _refs(value):
        return True
    return "each." in json.dumps(value) and allowed in _refs(body.get("for_each"))


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
    for block in iter_blocks(root):
        where = f"{block.file}: {block.type}.{block.name}"
        body = block.body
        if block.type.startswith("google_secret_manager_secret_version") or block.type.startswith(
            "google_secret_manager_regional_secret_version"
        ):
            errors.append(f"{where}: secret versions must be added out of band, never by Terraform")
        if PROJECT_IAM.match(block.type):
            role = json.dumps(body.get("role", "")) + json.dumps(body.get("binding", ""))
            if FORBIDDEN_WIDE_ROLE.search(role):
                errors.append(f"{where}: data or secret role granted project-wide ({body.get('role')})")
        if block.type.startswith("google_secret_manager_secret_iam_") and not _targets(
            body, "secret_id", "google_secret_manager_secret"
        ):
            errors.append(f"{where}: secret IAM must target this module's google_secret_manager_secret")
        if block.type.startswith("google_bigquery_dataset_iam_") and not _targets(
            body, "dataset_id", "google_bigquery_dataset"
        ):
            errors.append(f"{where}: dataset IAM must target this module's google_bigquery_dataset")
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
