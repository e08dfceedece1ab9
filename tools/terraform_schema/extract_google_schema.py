"""Extract a compact google provider schema from the JSII assembly of ``cdktn-provider-google``.

``terraform providers schema`` needs ``terraform init``, which needs the provider registry. The
PyPI wheel ``cdktn-provider-google`` ships a JSII type description generated from that same
provider schema, so it is read here instead and reduced to what a name/required-argument check
needs.

Usage (the wheel is ~67 MB; it is only needed to regenerate the schema, never at test time)::

    .venv/bin/pip download --no-deps cdktn-provider-google -d /tmp/x
    .venv/bin/python tools/terraform_schema/extract_google_schema.py /tmp/x/cdktn_provider_google-*.whl

Output (``google_provider_schema.json.gz``)::

    {"provider": {"source": "hashicorp/google", "version": "8.7.0"},
     "generated_from": {"package": "cdktn-provider-google", "version": "21.1.0"},
     "resources": {"google_x": BLOCK}, "data_sources": {"google_x": BLOCK}}

    BLOCK = {"attributes": {name: "required" | "optional" | "computed"},
             "blocks": {name: {"min_items": int, "max_items": int | null, "block": BLOCK}}}

How the JSII is read:
* each resource / data source is a class whose docs link ``.../docs/resources/<name> google_<name>``
  (``data-sources`` for data sources); that link gives the Terraform type name exactly;
* its ``<Class>Config`` struct lists the settable arguments: a property without ``optional`` is
  required; properties inherited from ``cdktn.TerraformMetaArguments`` (count, for_each, ...) are
  not part of the schema;
* a property whose type is a JSII struct (``datatype: true``), or an array of structs, is a nested
  block: a single struct means ``max_items = 1``, and a non-optional one means ``min_items = 1``;
  everything else (primitives, maps, lists of primitives) is an attribute;
* getters of the class that are not settable (no matching Config property, no ``...Input``) are
  computed-only attributes;
* the snake_case Terraform name of every property comes from its docs anchor
  (``.../bigquery_routine#definition_body``), which also undoes JSII renames of reserved words;
  a camelCase -> snake_case conversion is only the fallback.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "google_provider_schema.json.gz"

_TYPE_LINK = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/google/(?P<version>[^/]+)/docs/"
    r"(?P<kind>resources|data-sources)/(?P<short>[a-z0-9_]+) (?P<tf>google_[a-z0-9_]+)\}"
)
_ANCHOR = re.compile(
    r"registry\.terraform\.io/providers/hashicorp/google/[^/]+/docs/[a-z-]+/[a-z0-9_]+#(?P<name>[a-z0-9_]+) "
)


def camel_to_snake(name: str) -> str:
    """``definitionBody`` -> ``definition_body``; ``ipv6Address`` -> ``ipv6_address``."""
    out = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    out = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", out)
    return out.lower()


def _tf_name(prop: dict) -> str:
    docs = prop.get("docs", {})
    text = f"{docs.get('remarks', '')} {docs.get('summary', '')}"
    found = _ANCHOR.findall(text)
    if found:
        return found[-1]
    return camel_to_snake(prop["name"])


def _struct_fqn(type_ref: dict, types: dict) -> tuple[str | None, bool]:
    """Return (fqn of the struct, is_list) when the type is a struct or a list of structs."""
    candidates = type_ref.get("union", {}).get("types", [type_ref])
    for cand in candidates:
        if "fqn" in cand and types.get(cand["fqn"], {}).get("datatype"):
            return cand["fqn"], False
        coll = cand.get("collection")
        if coll and coll.get("kind") == "array":
            elem = coll.get("elementtype", {})
            if "fqn" in elem and types.get(elem["fqn"], {}).get("datatype"):
                return elem["fqn"], True
    return None, False


def _block(struct_fqn: str, types: dict, computed: set[str] | None = None, depth: int = 0) -> dict:
    struct = types[struct_fqn]
    attributes: dict[str, str] = {}
    blocks: dict[str, dict] = {}
    for prop in struct.get("properties", []):
        name = _tf_name(prop)
        nested, is_list = _struct_fqn(prop["type"], types)
        required = not prop.get("optional", False)
        if nested and depth < 30:
            blocks[name] = {
                "min_items": 1 if required else 0,
                "max_items": None if is_list else 1,
                "block": _block(nested, types, depth=depth + 1),
            }
        else:
            attributes[name] = "required" if required else "optional"
    for name in sorted(computed or ()):
        if name not in attributes and name not in blocks:
            attributes[name] = "computed"
    out: dict = {}
    if attributes:
        out["attributes"] = dict(sorted(attributes.items()))
    if blocks:
        out["blocks"] = dict(sorted(blocks.items()))
    return out


def _computed_getters(cls: dict, config: dict) -> set[str]:
    settable = {p["name"] for p in config.get("properties", [])}
    names = set()
    for prop in cls.get("properties", []):
        if prop.get("static") or prop.get("protected"):
            continue
        pname = prop["name"]
        if pname.endswith("Input") or pname in settable:
            continue
        if pname in {"fqn", "friendlyUniqueId", "node", "terraformResourceType", "terraformGeneratorMetadata"}:
            continue
        names.add(camel_to_snake(pname))
    return names


def extract(assembly: dict) -> dict:
    types = assembly["types"]
    resources: dict[str, dict] = {}
    data_sources: dict[str, dict] = {}
    provider_version = None
    for fqn, cls in types.items():
        if cls.get("kind") != "class" or cls.get("base") not in {
            "cdktn.TerraformResource",
            "cdktn.TerraformDataSource",
        }:
            continue
        match = _TYPE_LINK.search(cls.get("docs", {}).get("summary", ""))
        if not match:
            continue
        provider_version = match["version"]
        config_fqn = f"{fqn}Config"
        if config_fqn not in types:
            continue
        block = _block(config_fqn, types, computed=_computed_getters(cls, types[config_fqn]))
        target = data_sources if match["kind"] == "data-sources" else resources
        target[match["tf"]] = block
    return {
        "provider": {"source": "hashicorp/google", "version": provider_version},
        "generated_from": {"package": "cdktn-provider-google", "version": assembly.get("version")},
        "resources": dict(sorted(resources.items())),
        "data_sources": dict(sorted(data_sources.items())),
    }


def load_assembly(wheel: Path) -> dict:
    """Read the ``.jsii`` file from the ``*.jsii.tgz`` inside the wheel, without unpacking to disk."""
    with zipfile.ZipFile(wheel) as zf:
        tgz_name = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        data = zf.read(tgz_name)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
        member = next(m for m in tf.getmembers() if m.name.endswith("/.jsii"))
        return json.load(tf.extractfile(member))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to cdktn_provider_google-*.whl")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    schema = extract(load_assembly(args.wheel))
    raw = json.dumps(schema, separators=(",", ":"), sort_keys=False).encode()
    # mtime=0 keeps the .gz byte-identical for identical content.
    with open(args.output, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw)
    print(
        f"google provider {schema['provider']['version']}: {len(schema['resources'])} resources, "
        f"{len(schema['data_sources'])} data sources -> {args.output} "
        f"({args.output.stat().st_size} bytes, {len(raw)} uncompressed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
