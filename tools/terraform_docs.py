"""Write the Inputs and Outputs tables of the Terraform READMEs from variables.tf and outputs.tf.

A README marks where the tables go, naming the configuration they describe (relative to the
README's own folder)::

    <!-- BEGIN_TF_DOCS path=modules/genai_costs_org -->
    (generated: do not edit)
    <!-- END_TF_DOCS -->

Names, descriptions and defaults come from python-hcl2; types and defaults are copied from the
source text, so ``optional(string, "US")`` reads exactly as written. Usage::

    python tools/terraform_docs.py            # rewrite every README under terraform/
    python tools/terraform_docs.py --check    # exit 1 and name the READMEs that are out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: `python tools/terraform_docs.py`
    sys.path.insert(0, str(REPO))

from tools.terraform_schema.check import load_hcl  # noqa: E402  (one HCL loader, escapes handled)

TERRAFORM = REPO / "terraform"
MARKERS = re.compile(
    r"(?P<begin><!-- BEGIN_TF_DOCS path=(?P<path>[^ ]+) -->\n)(?P<body>.*?)(?P<end><!-- END_TF_DOCS -->)", re.S
)
BLOCK_START = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.M)
OPENERS, CLOSERS = "({[", ")}]"


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: str | None  # source text; None = required


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def _block_body(text: str, start: int) -> str:
    """The text between the ``{`` at ``start`` and its matching ``}`` (strings respected)."""
    depth, i, in_string = 0, start, False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        i += 1
    raise ValueError("unbalanced braces")


def _attribute(body: str, name: str) -> str | None:
    """Source text of a top-level ``name = expression`` of a block body, on one line."""
    depth, in_string, line_start = 0, False, True
    i = 0
    while i < len(body):
        ch = body[i]
        if line_start and depth == 0:
            m = re.match(rf"[ \t]*{name}\s*=\s*", body[i:])
            if m:
                return _one_line(_expression(body, i + m.end()))
        line_start = False
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth -= 1
        elif ch == "\n":
            line_start = True
        i += 1
    return None


def _expression(body: str, start: int) -> str:
    """From ``start`` to the end of the line on which every bracket opened there is closed."""
    depth, in_string, i = 0, False, start
    while i < len(body):
        ch = body[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth -= 1
        elif ch == "\n" and depth == 0:
            break
        i += 1
    return body[start:i]


def _one_line(expression: str) -> str:
    """``object({\\n a = x\\n b = y\\n})`` -> ``object({ a = x, b = y })``."""
    lines = [re.sub(r"\s+=\s+", " = ", line.strip()) for line in expression.strip().splitlines()]
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith(("{", "(", "[")) or line.startswith(("}", ")", "]")):
            out += " " + line
        else:
            out += ", " + line
    return re.sub(r"\s+", " ", out)


def _described(path: Path, kind: str) -> dict[str, dict]:
    return {name: spec for entry in load_hcl(path).get(kind, []) for name, spec in entry.items()}


def _text(value: object) -> str:
    return str(value or "").strip()


def read_variables(config: Path) -> list[Variable]:
    variables = []
    for path in sorted(config.glob("*.tf")):
        text = path.read_text()
        specs = _described(path, "variable")
        for m in BLOCK_START.finditer(text):
            if m.group(1) != "variable":
                continue
            body = _block_body(text, m.end() - 1)
            variables.append(
                Variable(
                    name=m.group(2),
                    description=_text(specs.get(m.group(2), {}).get("description")),
                    type=_attribute(body, "type") or "any",
                    default=_attribute(body, "default"),
                )
            )
    return sorted(variables, key=lambda v: v.name)


def read_outputs(config: Path) -> list[Output]:
    outputs = []
    for path in sorted(config.glob("*.tf")):
        for name, spec in _described(path, "output").items():
            outputs.append(Output(name=name, description=_text(spec.get("description"))))
    return sorted(outputs, key=lambda o: o.name)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(config: Path) -> str:
    lines = ["### Inputs", "", "| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    for v in read_variables(config):
        default = "n/a" if v.default is None else f"`{_cell(v.default)}`"
        lines.append(
            f"| `{v.name}` | {_cell(v.description)} | `{_cell(v.type)}` | {default} | "
            f"{'yes' if v.default is None else 'no'} |"
        )
    lines += ["", "### Outputs", "", "| Name | Description |", "|---|---|"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in read_outputs(config)]
    return "\n".join(lines) + "\n"


def update(readme: Path) -> str:
    """The README's text with every marked section regenerated."""

    def section(m: re.Match) -> str:
        config = (readme.parent / m.group("path")).resolve()
        if not config.is_dir():
            raise SystemExit(f"{readme}: TF_DOCS path {m.group('path')} is not a folder")
        return (
            m.group("begin")
            + "<!-- generated by tools/terraform_docs.py: do not edit -->\n\n"
            + render(config)
            + "\n"
            + m.group("end")
        )

    return MARKERS.sub(section, readme.read_text())


def readmes(root: Path = TERRAFORM) -> list[Path]:
    return sorted(p for p in root.rglob("README.md") if ".terraform" not in p.parts and MARKERS.search(p.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a README is out of date; write nothing")
    parser.add_argument("--root", type=Path, default=TERRAFORM, help="folder searched for README.md files")
    args = parser.parse_args(argv)
    stale = []
    for readme in readmes(args.root):
        new = update(readme)
        if new != readme.read_text():
            stale.append(readme)
            if not args.check:
                readme.write_text(new)
    if args.check and stale:
        print("out of date (run `python tools/terraform_docs.py`): " + ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
