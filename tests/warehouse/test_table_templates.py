import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "render_table_templates.py"


def test_rendered_raw_table_specs_are_current():
    spec = importlib.util.spec_from_file_location("render_table_templates", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stale = [p.name for p, text in module.rendered().items() if not p.exists() or p.read_text() != text]
    assert not stale, f"run python tools/render_table_templates.py; stale: {stale}"
