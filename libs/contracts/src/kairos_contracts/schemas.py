"""Checked-in JSON Schemas: the published form of every (type, version) and the envelope.

``libs/contracts/schemas/<Type>.v<N>.json`` is what other services (and messages already
in Kafka) rely on. The test suite fails when a model no longer matches its file:

* incompatibly (see ``compat``), or a published file's model is gone: the fix is a new
  VERSION (a new model class registered next to the old one), never an edit;
* compatibly, or a new (type, version) has no file yet: the fix is to run
  ``uv run python -m kairos_contracts.schemas write`` and commit the result.

``write`` refuses to overwrite a published schema with an incompatible one. CI can also
compare against another branch's files, so a schema edited by hand cannot slip through::

    uv run python -m kairos_contracts.schemas check
    uv run python -m kairos_contracts.schemas check --against-git origin/main
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kairos_contracts.compat import breaking_changes
from kairos_contracts.envelope import Envelope, Event
from kairos_contracts.registry import all_events

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
ENVELOPE_NAME = "Envelope"
ENVELOPE_VERSION = 1
WRITE_COMMAND = "uv run python -m kairos_contracts.schemas write"


def file_name(type_: str, version: int) -> str:
    return f"{type_}.v{version}.json"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    """The JSON Schema a consumer validates ``data`` against (validation mode)."""
    schema = cls.model_json_schema(mode="validation")
    schema["$id"] = f"urn:kairos:event:{cls.TYPE}:v{cls.VERSION}"
    schema["x-kairos-type"] = cls.TYPE
    schema["x-kairos-version"] = cls.VERSION
    schema["x-kairos-topic"] = cls.TOPIC
    schema["x-kairos-key"] = cls.KEY
    return schema


def envelope_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema(mode="validation")
    schema["$id"] = f"urn:kairos:envelope:v{ENVELOPE_VERSION}"
    return schema


def expected() -> dict[str, dict[str, Any]]:
    """File name -> schema, for everything the current code defines."""
    docs = {file_name(ENVELOPE_NAME, ENVELOPE_VERSION): envelope_schema()}
    for cls in all_events():
        docs[file_name(cls.TYPE, cls.VERSION)] = event_schema(cls)
    return docs


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


@dataclass
class Report:
    """What differs between the code and a set of published schemas."""

    breaking: dict[str, list[str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.breaking or self.changed or self.missing)

    def render(self) -> str:
        lines: list[str] = []
        for name, problems in sorted(self.breaking.items()):
            lines.append(f"BREAKING {name}:")
            lines.extend(f"  - {p}" for p in problems)
        if self.breaking:
            lines.append(
                "A published schema must not break: keep the old model and register a new "
                "VERSION for the change (consumers then handle both)."
            )
        for name in self.changed:
            lines.append(f"changed compatibly, not yet checked in: {name}")
        for name in self.missing:
            lines.append(f"new schema, not yet checked in: {name}")
        if self.changed or self.missing:
            lines.append(f"Run `{WRITE_COMMAND}` and commit libs/contracts/schemas/.")
        return "\n".join(lines) if lines else "schemas up to date"


def compare(published: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]) -> Report:
    """Compare published schemas (file name -> schema) with the current ones."""
    report = Report()
    for name, old in sorted(published.items()):
        new = current.get(name)
        if new is None:
            report.breaking[name] = ["published schema deleted (its model is gone)"]
            continue
        problems = breaking_changes(old, new)
        if problems:
            report.breaking[name] = problems
        elif dumps(old) != dumps(new):
            report.changed.append(name)
    report.missing = sorted(set(current) - set(published))
    return report


def read_dir(directory: Path) -> dict[str, dict[str, Any]]:
    if not directory.is_dir():
        return {}
    return {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def read_git(ref: str, directory: Path) -> dict[str, dict[str, Any]]:
    """The schema files as they are at git ``ref`` (e.g. the main branch)."""
    top = Path(_git("rev-parse", "--show-toplevel", cwd=directory).strip())
    rel = directory.resolve().relative_to(top).as_posix()
    names = _git("ls-tree", "--name-only", f"{ref}:{rel}", cwd=top).split()
    return {
        n: json.loads(_git("show", f"{ref}:{rel}/{n}", cwd=top))
        for n in names
        if n.endswith(".json")
    }


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def write(directory: Path, *, allow_breaking: bool = False) -> Report:
    """Write every current schema; refuse if that would break a published one."""
    report = compare(read_dir(directory), expected())
    if report.breaking and not allow_breaking:
        return report
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in expected().items():
        path = directory / name
        text = dumps(schema)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return Report(breaking=report.breaking)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kairos_contracts.schemas")
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR)
    parser.add_argument("--against-git", metavar="REF", help="compare with the files at REF")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="write even if a published schema breaks (only before anything consumed it)",
    )
    args = parser.parse_args(argv)
    if args.command == "write":
        report = write(args.dir, allow_breaking=args.allow_breaking)
        if report.breaking and not args.allow_breaking:
            print(report.render(), file=sys.stderr)
            print("nothing written", file=sys.stderr)
            return 1
        print(f"schemas written to {args.dir}")
        return 0
    reports = [compare(read_dir(args.dir), expected())]
    if args.against_git:
        reports.append(compare(read_git(args.against_git, args.dir), expected()))
        reports[-1].changed.clear()  # differences to another branch are expected
        reports[-1].missing.clear()
    ok = all(r.ok for r in reports)
    print("\n".join(r.render() for r in reports), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
