"""Validation of identifiers that arrive from file names and CSV cells.

Store ids, bay ids and dates become Dagster partition keys and path components, so anything that could
escape a folder or collide with Dagster's multi-partition separator is refused before it is used.
"""

from __future__ import annotations

import datetime
import re

IDENTIFIER_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")


class InvalidIdentifier(ValueError):
    """An id or date that does not follow the input contract."""


def check_identifier(value: object, kind: str) -> str:
    text = str(value)
    if not IDENTIFIER_PATTERN.fullmatch(text):
        raise InvalidIdentifier(f"invalid {kind} {text!r}: expected 1-32 characters of A-Z, a-z, 0-9, '_' or '-'")
    return text


def is_identifier(value: object) -> bool:
    return IDENTIFIER_PATTERN.fullmatch(str(value)) is not None


def check_date(value: object) -> str:
    text = str(value)
    try:
        parsed = datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidIdentifier(f"invalid date {text!r}: expected YYYY-MM-DD") from None
    if parsed.isoformat() != text:
        raise InvalidIdentifier(f"invalid date {text!r}: expected YYYY-MM-DD")
    return text
