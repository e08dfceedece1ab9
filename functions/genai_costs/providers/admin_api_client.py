"""What the two admin-key HTTP clients (OpenAI, Anthropic) share: an admin key, a base URL,
and `page` / `next_page` / `has_more` cursor paging over httpx with our retry policy."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx

from genai_costs.errors import ProviderResponseError
from genai_costs.providers.base import CredentialsModel, OptionsModel, ResponseModel, parse_credentials, parse_options
from genai_costs.providers.http import ProviderHttp, RetryPolicy, paginate


class AdminApiClientBase:
    provider: ClassVar[str]
    credentials_model: ClassVar[type[CredentialsModel]]  # must define admin_api_key and base_url
    options_model: ClassVar[type[OptionsModel]]

    def __init__(
        self,
        credentials: Any,
        *,
        secret_name: str,
        http: httpx.Client | None = None,
        options: OptionsModel | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.options = options or self.options_model()
        self.base_url = credentials.base_url.rstrip("/")
        self.http = ProviderHttp(
            self.provider, secret_name, client=http, policy=retry, sleep=sleep, secrets=[credentials.admin_api_key]
        )

    @classmethod
    def from_secret(cls, data: dict, *, secret_name: str, options: dict | None = None, **kw: Any):
        creds = parse_credentials(cls.credentials_model, data, provider=cls.provider, secret_name=secret_name)
        return cls(
            creds,
            secret_name=secret_name,
            options=parse_options(cls.options_model, options, provider=cls.provider),
            **kw,
        )

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _next(self, page: Any) -> str | None:
        if page.next_page:
            return page.next_page
        if page.has_more:
            raise ProviderResponseError(
                f"{self.provider}: has_more is true but next_page is empty", provider=self.provider
            )
        return None

    def _pages(self, path: str, params: dict[str, Any], model: type[ResponseModel]) -> Iterator[Any]:
        url = f"{self.base_url}{path}"

        def fetch(cursor: str | None):
            p = dict(params)
            if cursor:
                p["page"] = cursor
            return self.http.get(url, model, params=p, headers=self._headers)

        return paginate(fetch, self._next, provider=self.provider, max_pages=self.http.policy.max_pages)

    def close(self) -> None:
        self.http.close()
