"""Reading ZetaSQL's parse and resolved trees, which arrive as protobuf messages.

Both trees encode class inheritance the same way: an ``Any...Proto`` wrapper holds one concrete
node in a oneof, and a node's base-class fields sit in its ``parent`` message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message


def unwrap(message: Message) -> Message:
    """The concrete node inside ``Any...Proto`` wrappers (possibly nested)."""
    while True:
        oneofs = message.DESCRIPTOR.oneofs
        which = message.WhichOneof(oneofs[0].name) if oneofs else None
        if not which:
            return message
        message = getattr(message, which)


def wrapper_path(message: Message) -> list[str]:
    """The oneof fields chosen on the way to the concrete node, e.g. ``['ast_script_statement_node', ...]``."""
    path: list[str] = []
    while True:
        oneofs = message.DESCRIPTOR.oneofs
        which = message.WhichOneof(oneofs[0].name) if oneofs else None
        if not which:
            return path
        path.append(which)
        message = getattr(message, which)


def inherited(node: Message, name: str) -> Any:
    """Field ``name`` of ``node`` or of the nearest base class (``parent`` chain) that declares it."""
    while True:
        if name in node.DESCRIPTOR.fields_by_name:
            return getattr(node, name)
        if "parent" not in node.DESCRIPTOR.fields_by_name:
            raise AttributeError(f"{node.DESCRIPTOR.name} has no field {name}")
        node = node.parent


def node_kind(node: Message) -> str:
    """``ResolvedCreateViewStmtProto`` -> ``CreateViewStmt``; ``ASTInsertStatementProto`` -> ``InsertStatement``."""
    name = node.DESCRIPTOR.name.removesuffix("Proto")
    for prefix in ("Resolved", "AST"):
        name = name.removeprefix(prefix)
    return name


def byte_range(ast_node: Message) -> tuple[int, int]:
    """[start, end) byte offsets of a parse-tree node in the parsed text."""
    location = inherited(ast_node, "parse_location_range")
    return location.start, location.end


def descendants(message: Message, type_name: str) -> Iterator[Message]:
    """Every sub-message of the given protobuf type, depth first (not descending into matches)."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        items = value if field.is_repeated else (value,)
        for item in items:
            if item.DESCRIPTOR.name == type_name:
                yield item
            else:
                yield from descendants(item, type_name)
