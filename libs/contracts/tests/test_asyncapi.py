"""The checked-in AsyncAPI documents are current and internally consistent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kairos_contracts import asyncapi, catalog
from kairos_contracts.asyncapi import DOCS_DIR, document, expected
from kairos_contracts.topics import ALL_TOPICS, TOPIC_KEYS


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert part in node, f"dangling $ref {ref}"
        node = node[part]
    return node


def test_checked_in_documents_equal_the_generated_ones() -> None:
    stale = asyncapi.stale(DOCS_DIR)
    assert not stale, (
        f"out of date: {stale}; run `uv run python -m kairos_contracts.asyncapi write`"
    )


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_document_is_valid_enough(service: str) -> None:
    doc = json.loads(expected()[f"{service}.json"])
    assert doc["asyncapi"] == "3.0.0"
    for ref in _refs(doc):
        _resolve(doc, ref)
    for channel_id, channel in doc["channels"].items():
        assert channel["address"] in ALL_TOPICS
        assert channel["x-kairos-key"] == TOPIC_KEYS[channel["address"]]
        for msg_id in channel["messages"]:
            assert msg_id in doc["components"]["messages"], (channel_id, msg_id)
    for op_id, op in doc["operations"].items():
        assert op["action"] in ("send", "receive")
        channel_ref = op["channel"]["$ref"]
        for m in op["messages"]:
            assert m["$ref"].startswith(channel_ref + "/messages/"), (op_id, m)
    for msg in doc["components"]["messages"].values():
        data_ref = msg["payload"]["properties"]["data"]["$ref"]
        assert _resolve(doc, data_ref)["type"] == "object"


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_operations_follow_the_catalog(service: str) -> None:
    doc = document(service)

    def types(action: str) -> set[str]:
        return {
            doc["components"]["messages"][m["$ref"].rsplit("/", 1)[1]]["name"]
            for op in doc["operations"].values()
            if op["action"] == action
            for m in op["messages"]
        }

    assert types("send") == {c.TYPE for c in catalog.published_by(service)}
    assert types("receive") == {c.TYPE for c in catalog.consumed_by(service)}


def test_every_received_message_is_sent_by_some_service() -> None:
    sent: set[str] = set()
    received: set[str] = set()
    for service in catalog.SERVICES:
        doc = document(service)
        for op in doc["operations"].values():
            names = {m["$ref"].rsplit("/", 1)[1] for m in op["messages"]}
            (sent if op["action"] == "send" else received).update(names)
    assert received <= sent, received - sent


def test_write_and_check(tmp_path: Path) -> None:
    assert asyncapi.main(["check", "--dir", str(tmp_path)]) == 1
    assert asyncapi.main(["write", "--dir", str(tmp_path)]) == 0
    assert asyncapi.main(["check", "--dir", str(tmp_path)]) == 0
