"""Cut the request-body schemas the emulator serves out of Discord's published OpenAPI spec.

Source: https://github.com/discord/discord-api-spec (MIT licence, © 2023 Discord; see
``LICENSE`` here), file ``specs/openapi.json``. The cut keeps, for each operation in
:data:`OPERATIONS`, its ``application/json`` request schema and every schema it refers to,
unchanged, so ``requests.json`` stays a faithful subset of the spec.

Run (with a checkout of the spec): ``python discord_emulator/discord_spec/extract.py
PATH/TO/openapi.json COMMIT``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

#: (method, path template as in the spec) of every request body the emulator validates.
OPERATIONS = [
    ("post", "/channels/{channel_id}/messages"),
    ("patch", "/channels/{channel_id}/messages/{message_id}"),
    ("post", "/channels/{channel_id}/messages/{message_id}/threads"),
    ("post", "/channels/{channel_id}/threads"),
    ("patch", "/channels/{channel_id}"),
    ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("post", "/webhooks/{webhook_id}/{webhook_token}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("put", "/applications/{application_id}/commands"),
    ("post", "/applications/{application_id}/commands"),
    ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("post", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("post", "/users/@me/channels"),
]


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


def extract(spec: dict[str, Any], commit: str) -> dict[str, Any]:
    """The subset: ``{"source", "operations": {"METHOD path": schema}, "components"}``."""
    schemas = spec["components"]["schemas"]
    operations: dict[str, Any] = {}
    for method, path in OPERATIONS:
        body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
        operations[f"{method.upper()} {path}"] = body["schema"]
    wanted: set[str] = set()
    todo = set().union(*(_refs(s) for s in operations.values()))
    while todo:
        ref = todo.pop()
        name = ref.removeprefix("#/components/schemas/")
        if name in wanted:
            continue
        wanted.add(name)
        todo |= _refs(schemas[name])
    return {
        "source": {
            "repository": "https://github.com/discord/discord-api-spec",
            "file": "specs/openapi.json",
            "commit": commit,
            "openapi": spec["openapi"],
            "api_version": spec["info"]["version"],
        },
        "operations": operations,
        "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}},
    }


if __name__ == "__main__":
    source, commit = Path(sys.argv[1]), sys.argv[2]
    subset = extract(json.loads(source.read_text()), commit)
    (HERE / "requests.json").write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n")
