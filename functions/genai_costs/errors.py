"""One exception hierarchy for the whole library.

    GenAICostsError
    ├── ConfigurationError        settings or seed/commitment configuration missing or invalid
    ├── ValidationError           bad input from a caller (message, org slug, request body)
    │   ├── InvalidOrgSlugError
    │   ├── MalformedEventError   a delivered event that can never be processed (e.g. a malformed time)
    │   ├── ExpiredEventError     an event older than the maximum message age
    │   ├── OrgNotServedError     a message or request for an organization this deployment does not serve
    │   ├── RequestTooLargeError  an HTTP request body beyond the size limit
    │   ├── NotFoundError         the request names a row that does not exist (HTTP 404)
    │   └── ConflictError         the request contradicts stored data, e.g. overlapping validity (HTTP 409)
    ├── InvalidDataError          data that can never be stored as it is (a value out of range)
    ├── SecretError               secret store problems (missing secret, bad key file)
    │   └── SecretNotFoundError
    ├── WarehouseError            the SQL engine refused or failed a statement
    │   ├── SqlTranspileError     BigQuery SQL that the embedded engine cannot run faithfully
    │   ├── ConformanceError      a data-quality / FOCUS conformance check failed
    │   └── WarehouseBusyError    the embedded file stayed locked by another process (transient)
    ├── PublishError              the message bus did not accept a message (transient)
    ├── RunConflictError          another run holds the lease on the same window (transient)
    ├── MessagingError            publishing to a topic failed (transient: the caller resends)
    └── ProviderError             a provider's API misbehaved
        ├── ProviderAuthError     401/403: credentials rejected (permanent until fixed)
        ├── ProviderRateLimitError  429 after retries were exhausted (transient)
        ├── ProviderUnavailableError 5xx / timeout after retries (transient)
        └── ProviderResponseError the provider returned something we cannot trust (garbage,
                                  truncated JSON, a pagination cursor that never ends)

``transient`` tells an event handler whether to raise (Pub/Sub redelivers) or acknowledge.
Messages never contain credential values: name the secret, never print it.
"""

from __future__ import annotations


class GenAICostsError(Exception):
    """Base class. ``transient`` = retrying the same work later may succeed."""

    transient: bool = False


class ConfigurationError(GenAICostsError):
    pass


class ValidationError(GenAICostsError):
    http_status = 400


class InvalidOrgSlugError(ValidationError):
    pass


class MalformedEventError(ValidationError):
    pass


class ExpiredEventError(ValidationError):
    pass


class OrgNotServedError(ValidationError):
    pass


class RequestTooLargeError(ValidationError):
    pass


class InvalidDataError(GenAICostsError):
    """Retrying cannot help: the same data fails the same way (e.g. a provider value beyond INT64)."""


class NotFoundError(ValidationError):
    http_status = 404


class ConflictError(ValidationError):
    http_status = 409


class SecretError(GenAICostsError):
    pass


class SecretNotFoundError(SecretError):
    pass


class WarehouseError(GenAICostsError):
    # Transient unless the engine's own error says retrying cannot help (warehouse.failures sets it).
    transient = True


class SqlTranspileError(WarehouseError):
    transient = False


class ConformanceError(WarehouseError):
    transient = False


class WarehouseBusyError(WarehouseError):
    transient = True


class PublishError(GenAICostsError):
    transient = True


class RunConflictError(GenAICostsError):
    transient = True


class MessagingError(GenAICostsError):
    transient = True


class ProviderError(GenAICostsError):
    # Set by the retry layer (providers.http): the wait the server asked for, in seconds, and
    # whether this error already went through its retries (it is then not retried again).
    retry_after: float | None = None
    retries_exhausted: bool = False

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider


class ProviderAuthError(ProviderError):
    pass


class ProviderRateLimitError(ProviderError):
    transient = True


class ProviderUnavailableError(ProviderError):
    transient = True


class ProviderResponseError(ProviderError):
    transient = True
