"""Reading an HTTP request's JSON body within limits: at most ``max_bytes`` read, at most ``max_depth``
levels of nesting (checked before parsing, so a deeply nested document never reaches the recursive
JSON parser), and a clear error for anything else."""

from __future__ import annotations

import json
import re
from typing import IO, Any

from .errors import RequestTooLargeError, ValidationError

# The only characters that matter for nesting: quotes and backslashes (to skip strings) and brackets.
_SPECIAL = re.compile(r'["\\\[\]{}]')


def read_json_body(stream: IO[bytes], content_length: int | None, *, max_bytes: int, max_depth: int) -> Any:
    if content_length is not None and content_length > max_bytes:
        raise RequestTooLargeError(f"request body of {content_length} bytes is over the {max_bytes} bytes allowed")
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise RequestTooLargeError(f"request body is over the {max_bytes} bytes allowed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("request body is not UTF-8 text") from None
    check_depth(text, max_depth)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"request body is not valid JSON: {exc}") from None


def check_depth(text: str, max_depth: int) -> None:
    """ValidationError when arrays / objects are nested deeper than ``max_depth`` (brackets inside strings
    do not count). One pass over the special characters only: linear whatever the text."""
    depth, in_string, escaped_at = 0, False, -2
    for token in _SPECIAL.finditer(text):
        at, char = token.start(), token.group()
        if in_string:
            if at == escaped_at + 1:  # the character right after a backslash
                escaped_at = -2
            elif char == "\\":
                escaped_at = at
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise ValidationError(f"request body is nested deeper than {max_depth} levels")
        elif char in "]}":
            depth -= 1
