"""What every provider client offers, plus small helpers shared by the client modules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from genai_costs.errors import ConfigurationError, SecretError
from genai_costs.model.records import CostRecord, UsageRecord
from genai_costs.model.window import Window


@runtime_checkable
class ProviderClient(Protocol):
    """Pulls one UTC window page by page; both methods are generators."""

    @property
    def provider(self) -> str: ...

    def iter_usage(self, window: Window) -> Iterator[UsageRecord]: ...

    def iter_costs(self, window: Window) -> Iterator[CostRecord]: ...

    def close(self) -> None:
        """Release connections (the runner calls it once the run ends, however it ends)."""


class ResponseModel(BaseModel):
    """Base for provider response models: documented names, unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CredentialsModel(BaseModel):
    """Base for secret contents; unknown keys are rejected so typos surface. Surrounding whitespace (a
    key pasted with a trailing space or newline) is stripped: no credential has it, and in an HTTP
    header it makes every request fail before it leaves the machine."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OptionsModel(BaseModel):
    """Base for non-secret per-org client options."""

    model_config = ConfigDict(extra="forbid", frozen=True)


C = TypeVar("C", bound=BaseModel)
CredentialsT = TypeVar("CredentialsT", bound=CredentialsModel)
OptionsT = TypeVar("OptionsT", bound=OptionsModel)


def _describe(exc: PydanticValidationError) -> str:
    # Locations and messages only: pydantic's own str() would echo the input, i.e. the secret.
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)
    )


def parse_credentials(model: type[C], data: Any, *, provider: str, secret_name: str) -> C:
    if not isinstance(data, dict):
        raise SecretError(f"{provider}: secret '{secret_name}' must hold a JSON object")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise SecretError(f"{provider}: secret '{secret_name}' is not valid: {_describe(exc)}") from None


def parse_options(model: type[C], data: Any, *, provider: str) -> C:
    try:
        return model.model_validate(data or {})
    except PydanticValidationError as exc:
        raise ConfigurationError(f"{provider}: invalid client options: {_describe(exc)}") from None


class ProviderClientBase(Generic[CredentialsT, OptionsT]):
    """What every provider client and commitment source shares: typed credentials and options,
    validated from the organization's secret and options by :meth:`from_secret`.

    A subclass names its two models twice: as type arguments, so ``self.options`` has the
    subclass's fields for the type checker, and as ``credentials_model`` / ``options_model``,
    which validate at run time.
    """

    provider: ClassVar[str]
    credentials_model: type[CredentialsT]
    options_model: type[OptionsT]

    def __init__(self, credentials: CredentialsT, *, secret_name: str, options: OptionsT | None = None) -> None:
        self.credentials = credentials
        self.secret_name = secret_name
        self.options: OptionsT = self.options_model() if options is None else options

    @classmethod
    def from_secret(cls, data: Any, *, secret_name: str, options: Mapping[str, Any] | None = None, **kw: Any) -> Self:
        """Validate the secret (SecretError naming ``secret_name``) and the options, then build."""
        credentials = parse_credentials(cls.credentials_model, data, provider=cls.provider, secret_name=secret_name)
        parsed = parse_options(cls.options_model, options, provider=cls.provider)
        return cls(credentials, secret_name=secret_name, options=parsed, **kw)

    def close(self) -> None:
        """Release connections; the runner calls it once when the run ends."""


def unix_seconds(d: date | datetime) -> int:
    if not isinstance(d, datetime):
        d = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return int(d.timestamp())


def rfc3339(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_rfc3339(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def day_windows(window: Window) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) datetimes of each UTC day in the window (bounds memory for merging sources)."""
    for d in window.iter_days():
        start = datetime(d.year, d.month, d.day, tzinfo=UTC)
        yield start, start + timedelta(days=1)
