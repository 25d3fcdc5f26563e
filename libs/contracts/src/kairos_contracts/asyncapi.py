"""AsyncAPI 3.0 documents, one per service, generated from the models and the catalog.

Channels are topics (with the key each is partitioned by), operations are what the
service sends and receives (from ``catalog``), and each message's payload is the
envelope whose ``data`` is that event's schema. They are generated, so they cannot drift
from the code; they are checked in, so a reviewer sees a contract change as a diff::

    uv run python -m kairos_contracts.asyncapi write   # docs/asyncapi/<service>.json
    uv run python -m kairos_contracts.asyncapi check
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from kairos_contracts import catalog
from kairos_contracts.envelope import Envelope, Event
from kairos_contracts.registry import all_events
from kairos_contracts.topics import TOPIC_DESCRIPTIONS, TOPIC_KEYS, dlq_topic

DOCS_DIR = Path(__file__).resolve().parents[4] / "docs" / "asyncapi"
ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
_REF = "#/components/schemas/{model}"


def message_id(cls: type[Event]) -> str:
    return f"{cls.TYPE}.v{cls.VERSION}"


def _contracts_version() -> str:
    try:
        return version("kairos-contracts")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


class _Components:
    """Collects schemas under components/schemas; equal names must mean equal schemas."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> str:
        schema = dict(schema)
        for def_name, definition in schema.pop("$defs", {}).items():
            self.add(def_name, definition)
        if name in self.schemas and self.schemas[name] != schema:
            raise ValueError(f"two different schemas are both called {name!r}")
        self.schemas[name] = schema
        return _REF.format(model=name)


def _summary(cls: type[Event]) -> str:
    doc = (cls.__doc__ or cls.TYPE).strip()
    return doc.split("\n\n")[0].replace("\n", " ")


def _message(cls: type[Event], envelope: dict[str, Any], data_ref: str) -> dict[str, Any]:
    payload = copy.deepcopy(envelope)
    payload.pop("title", None)
    props = payload["properties"]
    props["type"] = {"type": "string", "const": cls.TYPE}
    props["version"] = {"type": "integer", "const": cls.VERSION}
    props["subject"] = {
        "type": "string",
        "description": f"The Kafka key: the payload's {cls.KEY}.",
    }
    props["data"] = {"$ref": data_ref}
    return {
        "name": cls.TYPE,
        "title": f"{cls.TYPE} v{cls.VERSION}",
        "summary": _summary(cls),
        "contentType": "application/json",
        "payload": payload,
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"{cls.KEY} (the aggregate id)"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-kairos-publishers": list(catalog.publishers_of(cls.TYPE)),
        "x-kairos-consumers": list(catalog.consumers_of(cls.TYPE)),
    }


def document(service: str) -> dict[str, Any]:
    """The AsyncAPI document for ``service``."""
    sent = catalog.published_by(service)
    received = catalog.consumed_by(service)
    topics = sorted({e.TOPIC for e in sent} | {e.TOPIC for e in received})

    components = _Components()
    env_schema = Envelope.model_json_schema(mode="validation", ref_template=_REF)
    components.add("Envelope", env_schema)
    envelope_inline = {k: v for k, v in env_schema.items() if k != "$defs"}

    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for topic in topics:
        on_topic = [e for e in all_events() if e.TOPIC == topic]
        for cls in on_topic:
            schema = cls.model_json_schema(mode="validation", ref_template=_REF)
            data_ref = components.add(message_id(cls), schema)
            messages[message_id(cls)] = _message(cls, envelope_inline, data_ref)
        channels[topic] = {
            "address": topic,
            "title": topic,
            "description": (
                f"{TOPIC_DESCRIPTIONS[topic]} Dead letters go to {dlq_topic(topic)} "
                "with the same key. Skip types you do not consume."
            ),
            "messages": {
                message_id(c): {"$ref": f"#/components/messages/{message_id(c)}"} for c in on_topic
            },
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
            "x-kairos-key": TOPIC_KEYS[topic],
        }

    operations: dict[str, Any] = {}
    for action, events in (("send", sent), ("receive", received)):
        for topic in topics:
            mine = [e for e in events if e.TOPIC == topic]
            if not mine:
                continue
            operations[f"{action}.{topic}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{topic}"},
                "summary": f"{service} {action}s {', '.join(e.TYPE for e in mine)}",
                "messages": [
                    {"$ref": f"#/channels/{topic}/messages/{message_id(e)}"} for e in mine
                ],
            }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"Kairos {service}",
            "version": _contracts_version(),
            "description": (
                f"Events the {service} service publishes and consumes. Generated by "
                "`python -m kairos_contracts.asyncapi write`; do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "Any Kafka broker; services read KAFKA_BOOTSTRAP_SERVERS.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": components.schemas},
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def expected() -> dict[str, str]:
    """File name -> text, for every service."""
    return {f"{s}.json": dumps(document(s)) for s in catalog.SERVICES}


def stale(directory: Path = DOCS_DIR) -> list[str]:
    """Documents that are missing or differ from what the code generates."""
    return [
        name
        for name, text in expected().items()
        if not (directory / name).exists() or (directory / name).read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kairos_contracts.asyncapi")
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--dir", type=Path, default=DOCS_DIR)
    args = parser.parse_args(argv)
    if args.command == "write":
        args.dir.mkdir(parents=True, exist_ok=True)
        for name, text in expected().items():
            (args.dir / name).write_text(text)
        print(f"AsyncAPI documents written to {args.dir}")
        return 0
    out_of_date = stale(args.dir)
    if out_of_date:
        print(
            f"out of date: {', '.join(out_of_date)}; run "
            "`uv run python -m kairos_contracts.asyncapi write`",
            file=sys.stderr,
        )
        return 1
    print("AsyncAPI documents up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
