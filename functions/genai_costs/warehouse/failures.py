"""Which engine errors are worth retrying: the transient / permanent split of a WarehouseError.

BigQuery (``google.api_core`` exceptions, read by their error ``reason``, as Google's troubleshooting
table and the client library's own retry predicates do):

    transient   5xx / 429 without a reason; backendError, internalError, badGateway, rateLimitExceeded,
                jobRateLimitExceeded, jobBackendError, jobInternalError, tableUnavailable, quotaExceeded;
                a transaction aborted by a concurrent update; a RetryError (the client's own retries ran
                out); connection errors and timeouts
    permanent   any other 4xx reason: invalidQuery, invalid, notFound, duplicate, accessDenied, ...

DuckDB (its exceptions follow the DB-API 2.0 categories of PEP 249):

    permanent   DataError (conversion, numeric overflow), ProgrammingError (parser, binder, catalog),
                IntegrityError (constraints), NotSupportedError
    transient   OperationalError (I/O, lock held by another process, transaction conflict, out of
                memory) and anything else

Anything unknown stays transient: redelivery is bounded by the dead-letter policy, a lost run is not.
"""

from __future__ import annotations

from ..errors import WarehouseError

TRANSIENT_REASONS = frozenset(
    {
        "backendError",
        "internalError",
        "badGateway",
        "rateLimitExceeded",
        "jobRateLimitExceeded",
        "jobBackendError",
        "jobInternalError",
        "tableUnavailable",
        "quotaExceeded",
    }
)
_CONCURRENCY = ("concurrent update", "could not serialize access", "write-write conflict")


def reasons(exc: BaseException) -> list[str]:
    """The ``reason`` of each error a Google API call reported (empty for other exceptions)."""
    errors = getattr(exc, "errors", None) or []
    return [str(e["reason"]) for e in errors if isinstance(e, dict) and e.get("reason")]


def is_transient(exc: BaseException) -> bool:
    if any(hint in str(exc).lower() for hint in _CONCURRENCY):
        return True
    module = type(exc).__module__
    if module.startswith("google."):
        return _google_transient(exc)
    if module.startswith(("duckdb", "_duckdb")):
        return _dbapi_transient(exc)
    return True


def _google_transient(exc: BaseException) -> bool:
    from google.api_core import exceptions as gexc

    if isinstance(exc, gexc.RetryError):
        return True
    if isinstance(exc, gexc.GoogleAPICallError):
        found = reasons(exc)
        if found:
            return any(reason in TRANSIENT_REASONS for reason in found)
        code = exc.code if isinstance(exc.code, int) else None
        return code is None or code >= 500 or code in (408, 429)
    return True  # google.auth transport errors and the like: the network, not the request


# DB-API error categories that name the statement or the data, never the moment: by class name, so
# the deployed functions (which never install duckdb) can classify without importing it.
_DBAPI_PERMANENT = frozenset({"DataError", "ProgrammingError", "IntegrityError", "NotSupportedError"})


def _dbapi_transient(exc: BaseException) -> bool:
    return not any(cls.__name__ in _DBAPI_PERMANENT for cls in type(exc).__mro__)


def engine_error(exc: BaseException, message: str) -> WarehouseError:
    """A WarehouseError for ``exc`` that says, and carries, whether retrying can help."""
    transient = is_transient(exc)
    kind = "transient" if transient else "permanent"
    found = reasons(exc)
    why = f"{', '.join(found)}, {kind}" if found else kind
    error = WarehouseError(f"{message} ({why})")
    error.transient = transient
    return error
