"""Google Secret Manager. Terraform creates the secret containers; values are added out of
band (``gcloud secrets versions add``) or with ``genai-costs secrets set``."""

from __future__ import annotations

from google.api_core import exceptions as gexc
from google.cloud import secretmanager

from ..errors import SecretError, SecretNotFoundError
from ..logs import register_secret
from .base import SecretInfo, SecretStore, check_secret_id


class SecretManagerStore(SecretStore):
    def __init__(self, project: str, client: secretmanager.SecretManagerServiceClient | None = None) -> None:
        self.project = project
        self._client = client

    @property
    def client(self) -> secretmanager.SecretManagerServiceClient:
        if self._client is None:
            self._client = secretmanager.SecretManagerServiceClient()
        return self._client

    def get(self, secret_id: str) -> str:
        name = f"projects/{self.project}/secrets/{check_secret_id(secret_id)}/versions/latest"
        try:
            response = self.client.access_secret_version(request={"name": name})
        except gexc.NotFound as exc:
            raise SecretNotFoundError(f"secret {secret_id} not found or has no enabled version") from exc
        except gexc.PermissionDenied as exc:
            raise SecretError(f"no permission to read secret {secret_id}") from exc
        value = response.payload.data.decode("utf-8")
        register_secret(value)
        return value

    def put(self, secret_id: str, value: str) -> int:
        parent = f"projects/{self.project}/secrets/{check_secret_id(secret_id)}"
        try:
            version = self.client.add_secret_version(request={"parent": parent, "payload": {"data": value.encode()}})
        except gexc.NotFound as exc:
            raise SecretNotFoundError(f"secret {secret_id} does not exist; Terraform creates it") from exc
        return int(version.name.rsplit("/", 1)[-1])

    def list(self, prefix: str = "") -> list[SecretInfo]:
        out = []
        for secret in self.client.list_secrets(request={"parent": f"projects/{self.project}"}):
            secret_id = secret.name.rsplit("/", 1)[-1]
            if secret_id.startswith(prefix):
                versions = list(self.client.list_secret_versions(request={"parent": secret.name}))
                out.append(
                    SecretInfo(
                        secret_id=secret_id,
                        versions=len(versions),
                        updated_at=max((v.create_time for v in versions), default=None),
                    )
                )
        return out
