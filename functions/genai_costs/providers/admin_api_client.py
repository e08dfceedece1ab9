"""What the two admin-key HTTP clients (OpenAI, Anthropic) share: an admin key, a base URL,
and `page` / `next_page` / `has_more` cursor paging over httpx with our retry policy."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from genai_costs.errors import ProviderResponseError
from genai_costs.providers.base import CredentialsModel, OptionsT, ProviderClientBase, ResponseModel
from genai_costs.providers.http import ProviderHttp, RetryPolicy, paginate


class AdminCredentials(CredentialsModel):
    """An admin API key and the API's base URL (each provider sets its own default)."""

    admin_api_key: SecretStr
    base_url: str


class CursorPage(ResponseModel):
    """A page of an admin API list: ``next_page`` is the cursor of the following page."""

    has_more: bool = False
    next_page: str | None = None


AdminCredentialsT = TypeVar("AdminCredentialsT", bound=AdminCredentials)
PageT = TypeVar("PageT", bound=CursorPage)


class AdminApiClientBase(ProviderClientBase[AdminCredentialsT, OptionsT]):
    def __init__(
        self,
        credentials: AdminCredentialsT,
        *,
        secret_name: str,
        http: httpx.Client | None = None,
        options: OptionsT | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(credentials, secret_name=secret_name, options=options)
        self.base_url = credentials.base_url.rstrip("/")
        self.http = ProviderHttp(
            self.provider, secret_name, client=http, policy=retry, sleep=sleep, secrets=[credentials.admin_api_key]
        )

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _next(self, page: CursorPage) -> str | None:
        if page.next_page:
            return page.next_page
        if page.has_more:
            raise ProviderResponseError(
                f"{self.provider}: has_more is true but next_page is empty", provider=self.provider
            )
        return None

    def _pages(self, path: str, params: dict[str, Any], model: type[PageT]) -> Iterator[PageT]:
        url = f"{self.base_url}{path}"

        def fetch(cursor: str | None) -> PageT:
            p = dict(params)
            if cursor:
                p["page"] = cursor
            return self.http.get(url, model, params=p, headers=self._headers)

        return paginate(fetch, self._next, provider=self.provider, max_pages=self.http.policy.max_pages)

    def close(self) -> None:
        self.http.close()
