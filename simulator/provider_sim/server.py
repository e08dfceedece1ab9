"""Run the simulator on a real socket (threaded werkzeug server in a background thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from werkzeug.serving import WSGIRequestHandler, make_server

from provider_sim.app import create_app
from provider_sim.channels import public_path
from provider_sim.config import SimConfig


class _RequestHandler(WSGIRequestHandler):
    """The access log line without secrets in the path (a Slack webhook token is one)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.path = public_path(self.path)
        super().log_request(code, size)


def serve(config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
    """Start serving; returns (base_url, stop).  Binds to loopback only, whatever `host` says."""
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError("the simulator only binds to 127.0.0.1")
    server = make_server("127.0.0.1", port, create_app(config), threaded=True, request_handler=_RequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="provider-sim", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_port}", stop
