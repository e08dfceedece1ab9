"""Pick the secret store from settings.

``providers=simulator`` (what ``genai-costs run`` uses) always gets a sealed store of its own under
``{data_dir}/simulator``: the simulator's credentials never land beside an organization's real ones,
and a demo run never reads or overwrites them. Otherwise the ``secrets`` seam decides.
"""

from __future__ import annotations

from ..errors import ConfigurationError
from ..settings import Settings
from .base import SecretStore

SIMULATOR_DIR = "simulator"


def open_secret_store(settings: Settings) -> SecretStore:
    if settings.providers == "simulator":
        from .local import LocalSecretStore

        root = settings.data_dir / SIMULATOR_DIR
        return LocalSecretStore(root / "secrets", root / "secrets.key", use_env_key=False)
    if settings.secrets_backend == "secret_manager":
        from .secret_manager import SecretManagerStore

        return SecretManagerStore(_project(settings))
    from .local import LocalSecretStore

    return LocalSecretStore(
        settings.data_dir / "secrets", settings.secret_key_file or settings.data_dir / "secrets.key"
    )


def _project(settings: Settings) -> str:
    if not settings.gcp_project:  # Settings already refuses this; kept for a hand-built Settings
        raise ConfigurationError("a Google Cloud seam needs GENAI_COSTS_GCP_PROJECT")
    return settings.gcp_project
