"""Render per-provider raw table specs from sql/tables/templates/*PROVIDER*.json.

The six providers' pay-as-you-go raw tables share one shape, and so do the three capacity
commitment tables (``genai_commitment_PROVIDER_*``: azure_openai, aws_bedrock and vertex_ai only,
the providers that sell capacity); each template is the single source and the rendered files are committed
(Terraform and both backends read sql/tables/*.json). A test
fails when a rendered file is stale: run `python tools/render_table_templates.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

from genai_costs.providers.ids import PROVIDERS  # noqa: E402

TEMPLATES = ROOT / "sql" / "tables" / "templates"
# Templates rendered for a subset of providers (by file-name prefix); all others for every provider.
TEMPLATE_PROVIDERS = {
    "genai_commitment_": ("azure_openai", "aws_bedrock", "vertex_ai"),
}
PROVIDER_NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "the Gemini API",
    "azure_openai": "Azure OpenAI",
    "aws_bedrock": "AWS Bedrock",
    "vertex_ai": "Vertex AI",
}


def rendered() -> dict[Path, str]:
    out = {}
    for template in sorted(TEMPLATES.glob("*PROVIDER*.json")):
        text = template.read_text()
        providers = next(
            (subset for prefix, subset in TEMPLATE_PROVIDERS.items() if template.name.startswith(prefix)), PROVIDERS
        )
        for provider in providers:
            spec = json.loads(text.replace("PROVIDER", PROVIDER_NAMES[provider]))
            name = template.name.replace("PROVIDER", provider)
            out[template.parent.parent / name] = json.dumps(spec, indent=2) + "\n"
    return out


def main() -> None:
    for path, text in rendered().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
