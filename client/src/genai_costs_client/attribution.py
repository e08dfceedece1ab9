"""Who a call is for: tenant, user, service, workflow, set once per request and read at record time.

A web application sets the attribution once per incoming request (middleware, a dependency, or a
``with`` block); every ``record`` call inside it, in any function, picks it up. It lives in a
``ContextVar``, so concurrent requests (threads or asyncio tasks) never see each other's values.
Nested blocks add to or override the outer values and restore them on exit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

ATTRIBUTION_FIELDS = ("tenant_id", "user_id", "service", "workflow_id", "feature", "environment")


@dataclass(frozen=True)
class Attribution:
    tenant_id: str | None = None
    user_id: str | None = None
    service: str | None = None
    workflow_id: str | None = None
    feature: str | None = None
    environment: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def merged(self, tags: Mapping[str, str] | None = None, **values: str | None) -> Attribution:
        """A copy with ``values`` set (None leaves a field as it is) and ``tags`` added."""
        unknown = set(values) - set(ATTRIBUTION_FIELDS)
        if unknown:
            raise TypeError(f"unknown attribution field(s): {', '.join(sorted(unknown))}")
        changes: dict[str, object] = {k: str(v) for k, v in values.items() if v is not None}
        if tags:
            changes["tags"] = MappingProxyType({**self.tags, **{str(k): str(v) for k, v in tags.items()}})
        return replace(self, **changes) if changes else self

    def as_event_fields(self) -> dict[str, object]:
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "tags"}
        out = {k: v for k, v in out.items() if v is not None}
        if self.tags:
            out["tags"] = dict(self.tags)
        return out


_current: ContextVar[Attribution] = ContextVar("genai_costs_attribution", default=Attribution())  # noqa: B039


def current_attribution() -> Attribution:
    return _current.get()


@contextmanager
def attribution(
    *,
    tenant_id: str | None = None,
    user_id: str | None = None,
    service: str | None = None,
    workflow_id: str | None = None,
    feature: str | None = None,
    environment: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Iterator[Attribution]:
    """``with attribution(tenant_id="t1", user_id="u7"):`` every call recorded inside is attributed."""
    token = set_attribution(
        tenant_id=tenant_id,
        user_id=user_id,
        service=service,
        workflow_id=workflow_id,
        feature=feature,
        environment=environment,
        tags=tags,
    )
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_attribution(*, tags: Mapping[str, str] | None = None, **values: str | None) -> Token[Attribution]:
    """For middleware that cannot wrap the request in a ``with``: pair with :func:`reset_attribution`."""
    return _current.set(_current.get().merged(tags, **values))


def reset_attribution(token: Token[Attribution]) -> None:
    _current.reset(token)
