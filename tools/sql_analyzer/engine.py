"""One in-process ZetaSQL analyzer: the WebAssembly build shipped by the PyPI ``zetasql`` package.

The package's ``ZetaSqlLocalService`` compiles the 34 MB module from scratch on every start
(about 30 s of CPU) and copies request and response bytes one Python call per byte. This client
keeps the package's gRPC-over-WASM calling convention (``WasmClient.call_grpc_func``) and its
protobuf messages, and changes only those two costs: wasmtime's own compilation cache (keyed by
module bytes, wasmtime version and engine settings, so a stale entry is never used) makes later
starts take well under a second, and memory is copied with ``ctypes`` in one call.

Requests and responses stay protobuf messages (``zetasql.wasi._pb2``): the checker reads a few
fields of large resolved trees, which the package's dataclass wrappers would convert whole.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from dataclasses import dataclass
from functools import cache

from google.protobuf import empty_pb2
from wasmtime import Config, Engine, Func, Linker, Memory, Module, SharedMemory, Store, WasiConfig, WasmtimeError
from zetasql.core.exceptions import ServerError
from zetasql.core.wasm_client import WasmClient, get_tzinfo_dir
from zetasql.wasi import get_wasm_path
from zetasql.wasi._pb2.zetasql.local_service import local_service_pb2 as service_pb
from zetasql.wasi._pb2.zetasql.parser import parse_tree_pb2 as ast_pb
from zetasql.wasi._pb2.zetasql.proto import options_pb2 as proto_options_pb
from zetasql.wasi._pb2.zetasql.proto import simple_catalog_pb2 as catalog_pb
from zetasql.wasi._pb2.zetasql.resolved_ast import resolved_ast_pb2 as resolved_pb

_LOCATION = re.compile(r"\s*\[at (\d+):(\d+)\]\s*$")
_RAW = re.compile(r"^Code: \d+, Message: ")


@dataclass(frozen=True)
class AnalyzerError(Exception):
    """An error ZetaSQL reported for one statement; line and column are 1-based, relative to that text."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" [at {self.line}:{self.column}]" if self.line else ""
        return f"{self.message}{where}"

    @classmethod
    def from_server(cls, exc: ServerError) -> AnalyzerError:
        # The raw text is "Code: 3, Message: <message> [at 3:7]"; a signature mismatch continues over
        # several lines (argument types, then every candidate signature), which the package's own
        # parsing drops. Keep the first line and the argument types; the position is always last.
        text = _RAW.sub("", exc.raw_error or str(exc)).strip()
        match = _LOCATION.search(text)
        line, column = (int(match[1]), int(match[2])) if match else (None, None)
        lines = [part.strip() for part in (text[: match.start()] if match else text).splitlines()]
        message = lines[0] if lines else text
        message += "".join(
            f" ({part[0].lower()}{part[1:]})" for part in lines[1:] if part.startswith("Argument types:")
        )
        return cls(message, line, column)


class _CachedWasmClient(WasmClient):
    """The package's WasmClient with a compilation cache and bulk memory copies."""

    def __init__(self) -> None:  # replaces WasmClient.__init__ on purpose (see the module docstring)
        wasi = WasiConfig()
        wasi.inherit_stderr()
        if tz_dir := get_tzinfo_dir():
            wasi.preopen_dir(tz_dir, "/usr/share/zoneinfo")
        config = Config()
        with contextlib.suppress(AttributeError):
            config.shared_memory = True
        with contextlib.suppress(WasmtimeError):  # no usable cache directory: compile on every start
            config.cache = True
        engine = Engine(config)
        self.store = Store(engine)
        self.store.set_wasi(wasi)
        self.module = Module.from_file(engine, str(get_wasm_path()))
        linker = Linker(engine)
        linker.define_wasi()
        self.instance = linker.instantiate(self.store, self.module)
        self.exports = self.instance.exports(self.store)
        with contextlib.suppress(KeyError):  # a WASI reactor module initializes itself once
            initialize = self.exports["_initialize"]
            if isinstance(initialize, Func):
                initialize(self.store)
        memory = self.exports["memory"]
        if not isinstance(memory, (Memory, SharedMemory)):
            raise TypeError("zetasql.wasm exports no memory")
        self.memory = memory

    def _base(self) -> int:
        memory = self.memory
        pointer = memory.data_ptr() if isinstance(memory, SharedMemory) else memory.data_ptr(self.store)
        return ctypes.addressof(pointer.contents)

    def write_bytes(self, ptr: int, data: bytes) -> None:
        ctypes.memmove(self._base() + ptr, data, len(data))

    def read_bytes(self, ptr: int, size: int) -> bytes:
        return ctypes.string_at(self._base() + ptr, size)


class ZetaSQL:
    """The calls the checker needs from ZetaSQL's local service."""

    def __init__(self) -> None:
        self._client = _CachedWasmClient()

    def _call(self, method: str, request, response_type):
        try:
            return self._client.call_grpc_func(f"ZetaSqlLocalService_{method}", request, response_type)
        except ServerError as exc:
            raise AnalyzerError.from_server(exc) from None

    def register_catalog(self, catalog: catalog_pb.SimpleCatalogProto) -> int:
        request = service_pb.RegisterCatalogRequest(simple_catalog=catalog)
        return self._call("RegisterCatalog", request, service_pb.RegisterResponse).registered_id

    def unregister_catalog(self, catalog_id: int) -> None:
        self._call("UnregisterCatalog", service_pb.UnregisterRequest(registered_id=catalog_id), empty_pb2.Empty)

    def analyze(
        self, sql: str, options: proto_options_pb.AnalyzerOptionsProto, catalog_id: int
    ) -> resolved_pb.AnyResolvedStatementProto:
        """Analyze exactly one statement (an optional trailing semicolon is allowed)."""
        request = service_pb.AnalyzeRequest(sql_statement=sql, options=options, registered_catalog_id=catalog_id)
        return self._call("Analyze", request, service_pb.AnalyzeResponse).resolved_statement

    def parse_script(self, sql: str, language: proto_options_pb.LanguageOptionsProto) -> ast_pb.ASTScriptProto:
        request = service_pb.ParseRequest(sql_statement=sql, options=language, allow_script=True)
        return self._call("Parse", request, service_pb.ParseResponse).parsed_script

    def table_names(self, sql: str, language: proto_options_pb.LanguageOptionsProto) -> list[str]:
        """Tables one statement reads or writes, from the parser alone (no catalog)."""
        request = service_pb.ExtractTableNamesFromStatementRequest(sql_statement=sql, options=language)
        response = self._call(
            "ExtractTableNamesFromStatement", request, service_pb.ExtractTableNamesFromStatementResponse
        )
        return [".".join(name.table_name_segment) for name in response.table_name]


@cache
def zetasql() -> ZetaSQL:
    """The process-wide analyzer (one WASM instance; creating it costs ~0.5 s once compiled)."""
    return ZetaSQL()


__all__ = ["AnalyzerError", "ZetaSQL", "zetasql"]
