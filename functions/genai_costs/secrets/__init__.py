"""Secret store seam: Secret Manager in the cloud, an AES-256-GCM sealed store embedded."""

from .base import SecretInfo, SecretStore
from .factory import open_secret_store

__all__ = ["SecretInfo", "SecretStore", "open_secret_store"]
