"""Request bodies checked against Discord's published OpenAPI spec, answered the way Discord
answers: HTTP 400, code 50035 "Invalid Form Body", with the ``errors`` tree.

The schemas are ``discord_spec/requests.json``, an unchanged subset of
``discord/discord-api-spec`` (``specs/openapi.json``, MIT; the commit is in its ``source``;
``discord_spec/extract.py`` cuts it). Each body is validated with ``jsonschema-rs`` (draft
2020-12, as OpenAPI 3.1 says; ~10 µs a body, where the pure-Python ``jsonschema`` took
~27 ms) against the schema of the operation whose method and path
template match the request; routes the spec subset does not list are not checked here.

Errors are reported as Discord does: the tree follows the body (list indexes as keys), each
leaf ``{"_errors": [{"code", "message"}]}`` with Discord's codes (``BASE_TYPE_MAX_LENGTH``
"Must be 4096 or fewer in length.", ``BASE_TYPE_REQUIRED`` "This field is required"…).
A union (components, interaction callbacks) is resolved by its ``type`` field, so an
over-long button label is reported at the label, not as "matches no alternative".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema_rs import ValidationError

JSON = dict[str, Any]
SPEC_FILE = Path(__file__).parent / "discord_spec" / "requests.json"

_TYPE_ERRORS = {
    "string": ("STRING_TYPE_CONVERT", "Could not interpret {value!r} as string."),
    "integer": ("NUMBER_TYPE_COERCE", "Value {value!r} is not int."),
    "number": ("NUMBER_TYPE_COERCE", "Value {value!r} is not a number."),
    "boolean": ("BOOLEAN_TYPE_CONVERT", "Value {value!r} is not a boolean."),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
}
_UNIONS = ("AnyOf", "OneOfNotValid")


class DiscordSpec:
    """The operations of the spec subset and their validators.

    Args:
        path: the subset file (default :data:`SPEC_FILE`).
    """

    def __init__(self, path: Path = SPEC_FILE) -> None:
        document = json.loads(path.read_text())
        self.source: JSON = document["source"]
        # Discord takes a snowflake as a number too (discord.py sends upload attachment ids
        # as integers); the spec only writes the string form it returns.
        schemas = document["components"]["schemas"]
        schemas["SnowflakeType"] = {
            "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
        }
        self._operations: list[tuple[str, re.Pattern[str], Any]] = []
        for key, schema in document["operations"].items():
            method, template = key.split(" ", 1)
            pattern = re.compile(
                "".join(
                    "[^/]+" if part.startswith("{") else re.escape(part)
                    for part in re.split(r"(\{[^}]+\})", template)
                )
                + "$"
            )
            root = {"allOf": [schema], "components": document["components"]}
            validator = jsonschema_rs.Draft202012Validator(root)
            self._operations.append((method, pattern, validator))

    def listed(self, method: str, path: str) -> bool:
        """Whether ``method`` ``path`` (a path under ``/api/v10``) is in the spec subset."""
        return self._validator(method, path) is not None

    def _validator(self, method: str, path: str) -> Any:
        for wanted, pattern, validator in self._operations:
            if wanted == method.upper() and pattern.match(path):
                return validator
        return None

    def errors(self, method: str, path: str, body: Any) -> JSON | None:
        """Discord's ``errors`` tree for ``body`` sent as ``method`` ``path``, or ``None``
        when it is valid (or the operation is not in the spec subset)."""
        validator = self._validator(method, path)
        if validator is None:
            return None
        tree: JSON = {}
        for error in validator.iter_errors(body):
            for leaf in _leaves(error):
                _add(tree, leaf)
        return tree or None


@functools.cache
def discord_spec() -> DiscordSpec:
    """The spec subset, loaded once per process (it is read-only)."""
    return DiscordSpec()


def _kind(error: ValidationError) -> str:
    return type(error.kind).__name__


def _leaves(error: ValidationError) -> Iterable[ValidationError]:
    """The errors to report for ``error``: for a union, those of the alternative its
    ``type`` selects (the union's own error when none or several do)."""
    if _kind(error) in _UNIONS:
        depth = len(error.instance_path)
        chosen = [
            branch
            for branch in error.kind.context
            if not any(_not_this_alternative(sub, depth) for sub in branch)
        ]
        if len(chosen) == 1:
            for sub in chosen[0]:
                yield from _leaves(sub)
            return
    yield error


def _not_this_alternative(sub: ValidationError, depth: int) -> bool:
    """``sub`` says the value's ``type`` field (or its JSON type) is not the alternative's."""
    relative = list(sub.instance_path)[depth:]
    if relative == ["type"] and _kind(sub) in ("Enum", "Constant", "Type"):
        return True
    return not relative and _kind(sub) in ("Type", "Enum", "Constant")


def _add(tree: JSON, error: ValidationError) -> None:
    path = [str(part) for part in error.instance_path]
    code, message = _describe(error)
    if _kind(error) == "Required":
        path.append(str(error.kind.property))
    node = tree
    for part in path:
        node = node.setdefault(part, {})
    node.setdefault("_errors", []).append({"code": code, "message": message})


def _describe(error: ValidationError) -> tuple[str, str]:
    """Discord's code and message for one schema error."""
    kind = _kind(error)
    if kind in _UNIONS:
        return "UNION_TYPE_CHOICES", 'Value of field "type" must be one of the listed types.'
    facts = error.kind.as_dict()
    limit = facts.get("limit")
    if kind in ("MaxLength", "MaxItems", "MaxProperties"):
        return "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
    if kind in ("MinLength", "MinItems", "MinProperties"):
        return "BASE_TYPE_MIN_LENGTH", f"Must be {limit} or more in length."
    if kind == "Required":
        return "BASE_TYPE_REQUIRED", "This field is required"
    if kind == "Maximum":
        return "NUMBER_TYPE_MAX", f"int value should be less than or equal to {limit}."
    if kind == "Minimum":
        return "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {limit}."
    if kind in ("Enum", "Constant"):
        choices = facts.get("options", [facts.get("expected_value")])
        return "BASE_TYPE_CHOICES", f"Value must be one of {tuple(choices)}."
    if kind == "Pattern":
        return "STRING_TYPE_REGEX", "String value did not match validation regex."
    if kind == "Type":
        wanted = next((t for t in facts.get("types", []) if t != "null"), "")
        code, message = _TYPE_ERRORS.get(wanted, ("BASE_TYPE_BAD_TYPE", "Bad type."))
        return code, message.format(value=error.instance)
    return "BASE_TYPE_INVALID", error.message[:200]
