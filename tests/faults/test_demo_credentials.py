"""Class 12 of issue 10: ``genai-costs run`` never touches the credentials a user stored with
``secrets set``. The demo uses the simulator's own credentials, kept in a sealed store of their own
(``{data_dir}/simulator``); the user's secrets keep their value and their version count."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from genai_costs.secrets import open_secret_store
from genai_costs.settings import get_settings
from genai_costs_cli.app import app

USER_KEY = {"admin_api_key": "sk-admin-REAL-user-key-0123456789AB"}


@pytest.mark.slow
def test_run_leaves_the_users_stored_credentials_alone():
    runner = CliRunner()
    stored = runner.invoke(app, ["secrets", "set", "demo", "openai"], input=json.dumps(USER_KEY))
    assert stored.exit_code == 0, stored.output

    result = runner.invoke(app, ["run", "--org-slug", "demo", "--days", "2"])
    assert result.exit_code == 0, result.output[-3000:]  # every provider ran on the simulator's credentials

    get_settings.cache_clear()
    store = open_secret_store(get_settings())
    assert json.loads(store.get("genai-demo-openai")) == USER_KEY
    assert [(s.secret_id, s.versions) for s in store.list("genai-demo-")] == [("genai-demo-openai", 1)]
    listed = runner.invoke(app, ["secrets", "list", "demo"], terminal_width=200).output
    assert "genai-demo-openai" in listed and "genai-demo-anthropic" not in listed
