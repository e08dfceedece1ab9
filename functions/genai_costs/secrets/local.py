"""Embedded secret store: one JSON file per secret, each version sealed with AES-256-GCM.

The key is 32 random bytes in a key file created with mode 0600 (refused if group/other can
read it), or base64 in ``GENAI_COSTS_SECRET_KEY``. The secret id is the AEAD associated
data, so a sealed value copied under another id fails to open.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import SecretError, SecretNotFoundError
from ..logs import register_secret
from .base import SecretInfo, SecretStore, check_secret_id

KEY_ENV = "GENAI_COSTS_SECRET_KEY"


def load_or_create_key(path: Path) -> bytes:
    env = os.environ.get(KEY_ENV)
    if env:
        key = base64.b64decode(env)
    elif path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SecretError(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
        key = base64.b64decode(path.read_bytes())
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=256)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(key))
    if len(key) != 32:
        raise SecretError("secret key must be 32 bytes (AES-256)")
    return key


class LocalSecretStore(SecretStore):
    def __init__(self, directory: Path, key_file: Path) -> None:
        self._dir = directory
        self._aead = AESGCM(load_or_create_key(key_file))

    def _path(self, secret_id: str) -> Path:
        return self._dir / f"{check_secret_id(secret_id)}.json"

    def _versions(self, secret_id: str) -> list[dict[str, str]]:
        path = self._path(secret_id)
        if not path.exists():
            return []
        versions: list[dict[str, str]] = json.loads(path.read_text())["versions"]
        return versions

    def get(self, secret_id: str) -> str:
        versions = self._versions(secret_id)
        if not versions:
            raise SecretNotFoundError(f"secret {secret_id} has no versions")
        latest = versions[-1]
        try:
            plain = self._aead.decrypt(
                base64.b64decode(latest["nonce"]), base64.b64decode(latest["sealed"]), secret_id.encode()
            )
        except InvalidTag as exc:
            raise SecretError(f"secret {secret_id} cannot be opened with this key") from exc
        value = plain.decode()
        register_secret(value)
        return value

    def put(self, secret_id: str, value: str) -> int:
        versions = self._versions(secret_id)
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), secret_id.encode())
        versions.append(
            {
                "nonce": base64.b64encode(nonce).decode(),
                "sealed": base64.b64encode(sealed).decode(),
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )
        self._dir.mkdir(parents=True, exist_ok=True)
        path = self._path(secret_id)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"secret_id": secret_id, "versions": versions}, fh)
        tmp.replace(path)
        return len(versions)

    def list(self, prefix: str = "") -> list[SecretInfo]:
        out = []
        for path in sorted(self._dir.glob(f"{prefix}*.json")):
            versions = json.loads(path.read_text())["versions"]
            out.append(
                SecretInfo(
                    secret_id=path.stem,
                    versions=len(versions),
                    updated_at=dt.datetime.fromisoformat(versions[-1]["created_at"]) if versions else None,
                )
            )
        return out
