from __future__ import annotations

from ..settings import Settings
from .base import SecretStore


def open_secret_store(settings: Settings) -> SecretStore:
    if settings.gcp_project:  # Settings.backend == "bigquery"
        from .secret_manager import SecretManagerStore

        return SecretManagerStore(settings.gcp_project)
    from .local import LocalSecretStore

    return LocalSecretStore(
        settings.data_dir / "secrets", settings.secret_key_file or settings.data_dir / "secrets.key"
    )
