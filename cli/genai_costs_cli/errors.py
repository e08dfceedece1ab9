"""What the command does when something goes wrong: one line on stderr and an exit code that says
which kind of problem it was, never a traceback for a user's mistake or an unreachable cloud.

    0  success
    1  the command ran and something in it failed (a failed run, a conformance check, a bug)
    2  usage: a bad argument, option or setting (the code typer gives its own usage errors)
    3  the organization is not there (never onboarded, or nothing has run yet)
    4  credentials missing or refused (Application Default Credentials, a provider key)
    5  the cloud or a provider could not be reached
"""

from __future__ import annotations

import enum
import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from genai_costs.errors import (
    ConfigurationError,
    GenAICostsError,
    ProviderAuthError,
    ProviderUnavailableError,
    SecretNotFoundError,
    ValidationError,
)


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    ORG_NOT_FOUND = 3
    CREDENTIALS = 4
    UNREACHABLE = 5


class CliError(Exception):
    """A failure the user can act on: shown as ``genai-costs: error: <message>``, exit ``code``."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class OrgNotFoundError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.ORG_NOT_FOUND)


def _first_line(exc: BaseException) -> str:
    import pydantic

    if isinstance(exc, pydantic.ValidationError):  # "1 validation error for X" says nothing useful
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def as_cli_error(exc: Exception) -> CliError:
    """Map any exception to the one line and the exit code the user sees."""
    if isinstance(exc, CliError):
        return exc
    message = _first_line(exc)
    if isinstance(exc, (ValidationError, ConfigurationError, ValueError)):  # pydantic's too
        return CliError(message, ExitCode.USAGE)
    if isinstance(exc, (ProviderAuthError, SecretNotFoundError)):
        return CliError(message, ExitCode.CREDENTIALS)
    if isinstance(exc, ProviderUnavailableError):
        return CliError(message, ExitCode.UNREACHABLE)
    cloud = _google_error(exc)
    if cloud is not None:
        return cloud
    if isinstance(exc, GenAICostsError):
        return CliError(message, ExitCode.FAILED)
    if isinstance(exc, (ConnectionError, TimeoutError)) or _is_httpx_transport_error(exc):
        return CliError(f"cannot reach the service: {message}", ExitCode.UNREACHABLE)
    if isinstance(exc, OSError):
        return CliError(message, ExitCode.FAILED)
    # A bug, not a user's mistake: still one line, and the type says where to look.
    return CliError(f"unexpected {type(exc).__name__}: {message} (set GENAI_COSTS_DEBUG=1 for the traceback)")


def _google_error(exc: Exception) -> CliError | None:
    """Google Cloud client errors, imported only if a Google client library was loaded."""
    if "google.auth" not in sys.modules:
        return None
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    message = _first_line(exc)
    if isinstance(exc, auth.DefaultCredentialsError):
        return CliError(
            f"no Google Cloud credentials ({message}); run `gcloud auth application-default login` "
            "or unset GENAI_COSTS_GCP_PROJECT for the embedded default",
            ExitCode.CREDENTIALS,
        )
    if isinstance(exc, (auth.RefreshError, api.Unauthenticated, api.PermissionDenied, api.Forbidden)):
        return CliError(f"Google Cloud refused the credentials: {message}", ExitCode.CREDENTIALS)
    if isinstance(exc, (auth.TransportError, api.ServiceUnavailable, api.RetryError, api.DeadlineExceeded)):
        return CliError(f"cannot reach Google Cloud: {message}", ExitCode.UNREACHABLE)
    if isinstance(exc, api.NotFound):
        return CliError(message, ExitCode.ORG_NOT_FOUND)
    if isinstance(exc, api.GoogleAPICallError):
        return CliError(f"Google Cloud: {message}", ExitCode.FAILED)
    return None


def _is_httpx_transport_error(exc: Exception) -> bool:
    if "httpx" not in sys.modules:
        return False
    import httpx

    return isinstance(exc, httpx.TransportError)


class ErrorMappingGroup(TyperGroup):
    """The command group: any exception a command raises becomes one line on stderr and its exit
    code (GENAI_COSTS_DEBUG=1 shows the traceback instead)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # typer's own: help, usage errors
            raise
        except Exception as exc:
            if os.environ.get("GENAI_COSTS_DEBUG"):
                raise
            error = as_cli_error(exc)
            typer.echo(f"genai-costs: error: {error.message}", err=True)
            raise typer.Exit(int(error.code)) from None
