"""Open an organization's data for reading without creating anything: a report for an
organization that was never onboarded (or before any run) is an error with an exit code, not a
new empty warehouse file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from genai_costs.orgs import dataset_for
from genai_costs.secrets.local import LocalSecretStore
from genai_costs.settings import Settings
from genai_costs.warehouse import Warehouse, open_warehouse

from .errors import OrgNotFoundError

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@contextmanager
def existing_org_warehouse(settings: Settings, org_slug: str) -> Iterator[Warehouse]:
    dataset = dataset_for(org_slug)
    if settings.backend == "embedded" and not settings.duckdb_path.exists():
        raise OrgNotFoundError(
            f"no data yet ({settings.duckdb_path} does not exist): run `genai-costs run` for the demo "
            f"or `genai-costs onboard {org_slug}` first"
        )
    if settings.backend == "bigquery":
        check_google_credentials()
    with open_warehouse(settings) as warehouse:
        if not warehouse.dataset_exists(dataset):
            raise OrgNotFoundError(
                f"organization {org_slug!r} is not onboarded here (no dataset {dataset}): "
                f"`genai-costs onboard {org_slug}`"
            )
        yield warehouse


def check_google_credentials(timeout_seconds: float = 15) -> None:
    """Fetch an access token once, so missing or refused credentials and an unreachable Google
    answer in seconds (exit 4 or 5) rather than after the BigQuery client's ten minutes of retries."""
    import google.auth
    from google.auth.transport.requests import Request

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    request = Request()
    credentials.refresh(lambda *args, **kwargs: request(*args, **{**kwargs, "timeout": timeout_seconds}))


def credentials_point_to_simulator(settings: Settings, org_slug: str) -> bool:
    """Embedded only: the organization's stored provider credentials all send the clients to a
    loopback address, i.e. to the local provider simulator (what `genai-costs run` stores)."""
    if settings.backend != "embedded":
        return False
    secrets_dir = settings.data_dir / "secrets"
    key_file = settings.secret_key_file or settings.data_dir / "secrets.key"
    if not key_file.exists() or not secrets_dir.is_dir():
        return False
    store = LocalSecretStore(secrets_dir, key_file)
    infos = store.list(f"genai-{org_slug}-")
    if not infos:
        return False
    for info in infos:
        values = json.loads(store.get(info.secret_id))
        hosts = {urlparse(v).hostname for v in values.values() if isinstance(v, str) and "://" in v}
        if not hosts or not hosts <= _LOOPBACK:
            return False
    return True
