"""Resilient provider calls: retries, error mapping, response validation, pagination guards.

    Retrier          runs any callable with bounded retries (tenacity): exponential backoff with
                     full jitter, or the server's own wait (Retry-After / Azure QPU headers) capped
                     by ``RetryPolicy.max_retry_after``. Used for HTTP (below) and for boto3 calls.
    ProviderHttp     httpx on top of the Retrier; maps statuses to the errors in ``genai_costs.errors``
                     and parses every body through a pydantic response model.
    paginate         cursor loop with a max-pages bound, a "cursor seen twice" guard and a "page
                     content seen before" guard (a page replayed under a fresh cursor).

Error mapping (HTTP):
    401 / 403                      ProviderAuthError, not retried; names provider + secret, never values
    429                            retried; then ProviderRateLimitError
    500 502 503 504, timeouts,     retried; then ProviderUnavailableError
    connection errors
    2xx with bad / truncated JSON  retried ``max_bad_response_attempts`` times; then ProviderResponseError
    or a body failing its model
    any other status               ProviderError (not transient), with a scrubbed, truncated body

Nothing here logs or raises header values or request bodies; error texts are additionally scrubbed
of every known secret value before they leave this module.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr
from pydantic import ValidationError as PydanticValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception

from genai_costs.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from genai_costs.providers.page_content import page_fingerprint

log = logging.getLogger(__name__)
MAX_REPEATED_PAGES = 10  # pages in a row that only repeat earlier pages before paging is refused

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
P = TypeVar("P")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
# Server-indicated waits, in seconds (Retry-After may also be an HTTP date).
RETRY_AFTER_HEADERS = (
    "retry-after",
    "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after",
    "x-ms-ratelimit-microsoft.consumption-retry-after",
)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5  # total attempts for 429 / 5xx / network errors
    max_bad_response_attempts: int = 3  # total attempts when the body is malformed
    backoff_base: float = 1.0  # seconds; full jitter: uniform(0, min(backoff_max, base * 2**n))
    backoff_max: float = 60.0
    max_retry_after: float = 300.0  # cap on a server-indicated wait
    timeout: float = 60.0  # httpx timeout when this module creates the client
    max_pages: int = 10_000


def _retry_after(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, ProviderError) else None


def parse_retry_after(headers: Mapping[str, str], *, now: Callable[[], datetime]) -> float | None:
    """Largest wait any known header asks for, in seconds; None when none is usable."""
    waits: list[float] = []
    for name in RETRY_AFTER_HEADERS:
        raw = headers.get(name)
        if raw is None:
            continue
        raw = raw.strip()
        try:
            waits.append(max(0.0, float(raw)))
            continue
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        waits.append(max(0.0, (when - now()).total_seconds()))
    return max(waits) if waits else None


def scrub(text: str, secrets: Sequence[str]) -> str:
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, "[REDACTED]")
    return text


def _mark(exc: ProviderError, retry_after: float | None = None) -> ProviderError:
    exc.retry_after = retry_after
    return exc


class Retrier:
    """Bounded retries around any callable raising the ``genai_costs.errors`` provider errors."""

    def __init__(
        self,
        provider: str,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.provider = provider
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.rng = rng

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        server = _retry_after(exc) if exc is not None else None
        if server is not None:
            return min(server, self.policy.max_retry_after)
        ceiling = min(self.policy.backoff_max, self.policy.backoff_base * 2.0 ** (state.attempt_number - 1))
        return self.rng() * ceiling

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        bad_responses = 0

        def attempt() -> T:
            nonlocal bad_responses
            try:
                return fn()
            except ProviderResponseError:
                bad_responses += 1
                raise

        def stop(state: RetryCallState) -> bool:
            if state.attempt_number >= self.policy.max_attempts:
                return True
            exc = state.outcome.exception() if state.outcome else None
            return isinstance(exc, ProviderResponseError) and bad_responses >= self.policy.max_bad_response_attempts

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "%s: %s failed (attempt %d): %s; retrying in %.2fs",
                self.provider,
                what,
                state.attempt_number,
                type(exc).__name__,
                wait,
            )

        retrying = Retrying(
            stop=stop,
            wait=self._wait,
            # An error that already exhausted its own retries is not retried again.
            retry=retry_if_exception(
                lambda e: (
                    isinstance(e, (ProviderRateLimitError, ProviderUnavailableError, ProviderResponseError))
                    and not e.retries_exhausted
                )
            ),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except (ProviderRateLimitError, ProviderUnavailableError, ProviderResponseError) as exc:
            if exc.retries_exhausted:
                raise
            final = type(exc)(f"{exc} (gave up after retries)", provider=self.provider)
            final.retries_exhausted = True
            raise final from exc


class ProviderHttp:
    """httpx requests for one provider and one secret, with retries and response models."""

    def __init__(
        self,
        provider: str,
        secret_name: str,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        secrets: Sequence[SecretStr | str | None] = (),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.provider = provider
        self.secret_name = secret_name
        self.policy = policy or RetryPolicy()
        self._own_client = client is None
        self.client = client or httpx.Client(timeout=self.policy.timeout)
        self.retrier = Retrier(provider, self.policy, sleep=sleep, rng=rng)
        self._secrets: list[str] = []
        self.add_secrets(*secrets)
        self.now = now

    def add_secrets(self, *values: SecretStr | str | None) -> None:
        """Register values (e.g. fetched bearer tokens) that must never appear in messages."""
        for value in values:
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if value:
                self._secrets.append(value)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    def auth_error(self, detail: str) -> ProviderAuthError:
        return ProviderAuthError(
            f"{self.provider}: credentials from secret '{self.secret_name}' were rejected ({detail}); "
            f"check or rotate that secret",
            provider=self.provider,
        )

    # -- single request ---------------------------------------------------------------------
    def _once(
        self,
        method: str,
        url: str,
        model: type[M],
        *,
        params: Any = None,
        headers: Callable[[], Mapping[str, str]] | Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth_statuses: frozenset[int] = AUTH_STATUSES,
    ) -> M:
        hdrs = headers() if callable(headers) else dict(headers or {})
        where = f"{method} {httpx.URL(url).path}"
        try:
            response = self.client.request(method, url, params=params, headers=hdrs, json=json, data=data)
        except httpx.TimeoutException:
            raise _mark(
                ProviderUnavailableError(f"{self.provider}: timeout on {where}", provider=self.provider)
            ) from None
        except httpx.TransportError as exc:
            raise _mark(
                ProviderUnavailableError(
                    f"{self.provider}: connection error on {where}: {type(exc).__name__}", provider=self.provider
                )
            ) from None
        status = response.status_code
        log.debug("%s: %s -> HTTP %d", self.provider, where, status)
        if status in auth_statuses:
            raise self.auth_error(f"HTTP {status} on {where}")
        if status in RETRY_STATUSES:
            wait = parse_retry_after(response.headers, now=self.now)
            cls = ProviderRateLimitError if status == 429 else ProviderUnavailableError
            raise _mark(cls(f"{self.provider}: HTTP {status} on {where}", provider=self.provider), wait)
        if status >= 400:
            body = self.scrub(response.text[:300])
            raise ProviderError(f"{self.provider}: HTTP {status} on {where}: {body}", provider=self.provider)
        try:
            return model.model_validate_json(response.content)
        except PydanticValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)[:5]
            )
            raise _mark(
                ProviderResponseError(
                    f"{self.provider}: unusable response from {where} ({exc.error_count()} problem(s): "
                    f"{self.scrub(problems)})",
                    provider=self.provider,
                )
            ) from None

    def request(self, method: str, url: str, model: type[M], **kwargs: Any) -> M:
        # Resolve header callables (e.g. a bearer-token fetch, itself a retried request) once, before
        # retrying, so retries never nest.
        headers = kwargs.pop("headers", None)
        kwargs["headers"] = dict(headers() if callable(headers) else (headers or {}))
        return self.retrier.call(
            lambda: self._once(method, url, model, **kwargs), what=f"{method} {httpx.URL(url).path}"
        )

    def get(self, url: str, model: type[M], **kwargs: Any) -> M:
        return self.request("GET", url, model, **kwargs)

    def post(self, url: str, model: type[M], **kwargs: Any) -> M:
        return self.request("POST", url, model, **kwargs)


def paginate(
    fetch: Callable[[str | None], P],
    next_cursor: Callable[[P], str | None],
    *,
    provider: str,
    max_pages: int = 10_000,
) -> Iterator[P]:
    """Yield pages until ``next_cursor`` returns None.

    A page whose content (paging fields left out) equals an earlier page's is not yielded again:
    its records were already read, even though it came under a fresh cursor. Raises
    ProviderResponseError when a cursor repeats (an endless loop), when the provider keeps serving
    only pages already read (``MAX_REPEATED_PAGES`` in a row), or when ``max_pages`` is hit.
    """
    cursor: str | None = None
    seen: set[str] = set()
    contents: set[str] = set()
    pages = repeated_in_a_row = 0
    while True:
        page = fetch(cursor)
        pages += 1
        content = page_fingerprint(page)
        if content in contents:
            repeated_in_a_row += 1
            log.warning(
                "%s: page %d repeats an earlier page under a new cursor; its records are skipped", provider, pages
            )
            if repeated_in_a_row >= MAX_REPEATED_PAGES:
                raise ProviderResponseError(
                    f"{provider}: {repeated_in_a_row} pages in a row repeated earlier pages; refusing to loop",
                    provider=provider,
                )
        else:
            repeated_in_a_row = 0
            contents.add(content)
            yield page
        nxt = next_cursor(page)
        if not nxt:
            return
        if nxt in seen:
            raise ProviderResponseError(
                f"{provider}: pagination cursor repeated after {pages} page(s); refusing to loop",
                provider=provider,
            )
        if pages >= max_pages:
            raise ProviderResponseError(f"{provider}: more than {max_pages} pages; giving up", provider=provider)
        seen.add(nxt)
        cursor = nxt
