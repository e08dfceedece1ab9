"""The local store seals values, keeps its key private, and never shows a value."""

from __future__ import annotations

import json
import logging
import os
import stat
from unittest import mock

import pytest
from typer.testing import CliRunner

from genai_costs.errors import SecretError, SecretNotFoundError, ValidationError
from genai_costs.logs import RedactingFilter
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.secrets.secret_manager import SecretManagerStore
from genai_costs_cli.app import app

VALUE = json.dumps({"admin_api_key": "sk-admin-TOPSECRET-123456"})


@pytest.fixture
def store(tmp_path):
    return LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key")


def test_round_trip_and_versions(store):
    assert store.put("genai-acme-openai", VALUE) == 1
    assert store.put("genai-acme-openai", VALUE.replace("123456", "654321")) == 2
    assert "654321" in store.get("genai-acme-openai")
    (info,) = store.list("genai-acme-")
    assert info.secret_id == "genai-acme-openai" and info.versions == 2


def test_sealed_on_disk_and_key_file_private(store, tmp_path):
    store.put("genai-acme-openai", VALUE)
    assert "TOPSECRET" not in (tmp_path / "secrets" / "genai-acme-openai.json").read_text()
    assert stat.S_IMODE(os.stat(tmp_path / "secrets.key").st_mode) == 0o600


def test_key_file_readable_by_others_is_refused(tmp_path, store):
    os.chmod(tmp_path / "secrets.key", 0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        LocalSecretStore(tmp_path / "secrets", tmp_path / "secrets.key")


def test_sealed_value_cannot_be_moved_to_another_id(store, tmp_path):
    store.put("genai-acme-openai", VALUE)
    src = tmp_path / "secrets" / "genai-acme-openai.json"
    (tmp_path / "secrets" / "genai-evil-openai.json").write_text(src.read_text())
    with pytest.raises(SecretError, match="cannot be opened"):
        store.get("genai-evil-openai")


def test_missing_and_invalid_ids(store):
    with pytest.raises(SecretNotFoundError):
        store.get("genai-acme-anthropic")
    with pytest.raises(ValidationError):
        store.get("../../etc/passwd")


def test_values_read_are_masked_in_logs(store, caplog):
    store.put("genai-acme-openai", VALUE)
    key = json.loads(store.get("genai-acme-openai"))["admin_api_key"]
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "provider said: bad key %s", (key,), None)
    RedactingFilter().filter(record)
    assert key not in record.getMessage() and "[REDACTED]" in record.getMessage()


def test_cli_set_and_list_never_print_values():
    runner = CliRunner()
    result = runner.invoke(app, ["secrets", "set", "acme", "openai"], input=VALUE)
    assert result.exit_code == 0, result.output
    listing = runner.invoke(app, ["secrets", "list", "acme"])
    assert "genai-acme-openai" in listing.output
    assert "TOPSECRET" not in result.output + listing.output


def test_cli_rejects_non_json_and_unknown_provider():
    runner = CliRunner()
    assert runner.invoke(app, ["secrets", "set", "acme", "openai"], input="not json").exit_code == 2
    assert runner.invoke(app, ["secrets", "set", "acme", "nope"], input="{}").exit_code == 2


def test_secret_manager_store_reads_latest_version():
    client = mock.Mock()
    client.access_secret_version.return_value.payload.data = VALUE.encode()
    assert SecretManagerStore("proj-1", client=client).get("genai-acme-openai") == VALUE
    client.access_secret_version.assert_called_once_with(
        request={"name": "projects/proj-1/secrets/genai-acme-openai/versions/latest"}
    )
