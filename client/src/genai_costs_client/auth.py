"""Bearer tokens for a private record_usage endpoint.

``HttpSink(token_provider=...)`` takes any callable returning a token. For a private Cloud Function
(gen2 / Cloud Run) the caller needs a Google-signed ID token whose audience is the function's URL:
:func:`google_id_token_provider` fetches one with the application's own credentials (metadata server
on Google Cloud, or a service-account key file via ``GOOGLE_APPLICATION_CREDENTIALS``) and caches it
until shortly before it expires. Tokens are never logged.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable

ID_TOKEN_LIFETIME = 3600.0  # Google ID tokens last one hour


class CachedToken:
    """Calls ``fetch`` (returns ``(token, expires_at_unix)``) only when the cached token is about to expire."""

    def __init__(
        self,
        fetch: Callable[[], tuple[str, float]],
        *,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._margin:
                self._token, self._expires_at = self._fetch()
            return self._token


def jwt_expiry(token: str, default: float) -> float:
    """The ``exp`` claim of a JWT (not verified: only used to decide when to refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return default


def google_id_token_provider(audience: str, *, refresh_margin: float = 300.0) -> CachedToken:
    """A token provider for a private Cloud Function; needs ``pip install 'genai-costs-client[google]'``."""

    def fetch() -> tuple[str, float]:
        # Imported here: google-auth is an optional extra, and importing it costs time at startup.
        import google.auth.transport.requests
        import google.oauth2.id_token

        token = google.oauth2.id_token.fetch_id_token(google.auth.transport.requests.Request(), audience)
        return token, jwt_expiry(token, default=time.time() + ID_TOKEN_LIFETIME)

    return CachedToken(fetch, refresh_margin=refresh_margin)
