"""The README Inputs / Outputs tables are generated from variables.tf / outputs.tf and kept current."""

from __future__ import annotations

import re
from pathlib import Path

from tools import terraform_docs

from .conftest import EXAMPLE, MODULE, TERRAFORM, check


def names(kind: str, config: Path) -> set[str]:
    return {n for p in config.glob("*.tf") for e in check.load_hcl(p).get(kind, []) for n in e}


def test_readme_tables_are_up_to_date():
    assert terraform_docs.main(["--check"]) == 0, "run `python tools/terraform_docs.py` and commit the READMEs"
    assert {p.relative_to(TERRAFORM).as_posix() for p in terraform_docs.readmes()} == {
        "README.md",
        "modules/genai_costs_org/README.md",
    }


def test_tables_list_every_variable_and_output_as_written():
    for config in (MODULE, EXAMPLE):
        table = terraform_docs.render(config)
        inputs, outputs = table.split("### Outputs")
        assert set(re.findall(r"^\| `(\w+)` ", inputs, re.M)) == names("variable", config)
        assert set(re.findall(r"^\| `(\w+)` ", outputs, re.M)) == names("output", config)
    module = terraform_docs.render(MODULE)
    assert '`object({ kms_key_name = optional(string), location = optional(string, "US") })` | `{}` | no |' in module
    assert (
        "| `project_id` | Google Cloud project that hosts this organization's resources. | `string` | n/a | yes |"
        in module
    )


def test_a_changed_variable_makes_the_check_fail_until_regenerated(module_copy: Path, capsys):
    variables = module_copy / "modules" / "genai_costs_org" / "variables.tf"
    variables.write_text(
        variables.read_text()
        + '\nvariable "zz_new" {\n  description = "A new input."\n  type        = number\n  default     = 7\n}\n'
    )
    assert terraform_docs.main(["--check", "--root", str(module_copy)]) == 1
    assert "modules/genai_costs_org/README.md" in capsys.readouterr().out
    assert terraform_docs.main(["--root", str(module_copy)]) == 0
    readme = (module_copy / "modules" / "genai_costs_org" / "README.md").read_text()
    assert "| `zz_new` | A new input. | `number` | `7` | no |" in readme
    assert terraform_docs.main(["--check", "--root", str(module_copy)]) == 0
