"""The checked-in JSON Schemas are the published contract; the code must not break them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kairos_contracts import schemas
from kairos_contracts.schemas import SCHEMA_DIR, WRITE_COMMAND, compare, expected, read_dir

CURRENT = expected()
PUBLISHED = read_dir(SCHEMA_DIR)


@pytest.mark.parametrize("name", sorted(PUBLISHED), ids=str)
def test_published_schema_is_not_broken(name: str) -> None:
    report = compare({name: PUBLISHED[name]}, {k: v for k, v in CURRENT.items() if k == name})
    assert not report.breaking, report.render()
    assert not report.changed, report.render()


@pytest.mark.parametrize("name", sorted(CURRENT), ids=str)
def test_every_current_schema_is_checked_in(name: str) -> None:
    assert name in PUBLISHED, (
        f"{name} has no checked-in schema. Run `{WRITE_COMMAND}` and commit "
        "libs/contracts/schemas/."
    )


def test_report_for_each_kind_of_difference() -> None:
    current: dict[str, dict[str, Any]] = {
        "A.v1.json": {"type": "object", "properties": {"x": {"type": "string"}}},
        "B.v1.json": {"type": "object", "properties": {"y": {"type": "integer"}}},
        "New.v1.json": {"type": "object"},
    }
    published: dict[str, dict[str, Any]] = {
        "A.v1.json": {"type": "object", "properties": {}},  # compatible: x added
        "B.v1.json": {"type": "object", "properties": {"y": {"type": "string"}}},  # breaking
        "Gone.v1.json": {"type": "object"},  # deleted
    }
    report = compare(published, current)
    assert report.changed == ["A.v1.json"]
    assert set(report.breaking) == {"B.v1.json", "Gone.v1.json"}
    assert report.breaking["Gone.v1.json"] == ["published schema deleted (its model is gone)"]
    assert report.missing == ["New.v1.json"]
    text = report.render()
    assert WRITE_COMMAND in text and "BREAKING" in text and "VERSION" in text


def test_write_then_check_round_trip(tmp_path: Path) -> None:
    assert schemas.main(["write", "--dir", str(tmp_path)]) == 0
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(CURRENT)


def test_check_fails_on_compatible_but_stale_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas.write(tmp_path)
    path = tmp_path / "HoldPlaced.v1.json"
    old = json.loads(path.read_text())
    del old["properties"]["price_in_credits"]  # as if the optional field were new
    path.write_text(json.dumps(old))
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 1
    assert WRITE_COMMAND in capsys.readouterr().err


def test_write_refuses_to_break_a_published_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas.write(tmp_path)
    path = tmp_path / "HoldPlaced.v1.json"
    old = json.loads(path.read_text())
    old["properties"]["voucher"] = {"type": "string"}  # the code "removed" voucher
    path.write_text(json.dumps(old))
    assert schemas.main(["write", "--dir", str(tmp_path)]) == 1
    assert "voucher: property removed or renamed" in capsys.readouterr().err
    assert "voucher" in path.read_text()  # nothing written
    assert schemas.main(["check", "--dir", str(tmp_path)]) == 1


def test_deleting_a_published_schema_file_is_caught(tmp_path: Path) -> None:
    schemas.write(tmp_path)
    (tmp_path / "Retired.v1.json").write_text(json.dumps({"type": "object"}))
    report = compare(read_dir(tmp_path), CURRENT)
    assert "Retired.v1.json" in report.breaking


def test_against_git_catches_a_schema_broken_and_rewritten_in_one_change(tmp_path: Path) -> None:
    # Someone breaks HoldPlaced and runs `write --allow-breaking`: the working tree is then
    # self-consistent, but comparing with the base branch's files still fails.
    import subprocess

    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git not installed")
    directory = tmp_path / "schemas"
    schemas.write(directory)
    path = directory / "HoldPlaced.v1.json"
    base = json.loads(path.read_text())
    base["properties"]["voucher"] = {"type": "string"}
    path.write_text(json.dumps(base))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    schemas.write(directory, allow_breaking=True)
    assert schemas.main(["check", "--dir", str(directory)]) == 0
    assert schemas.main(["check", "--dir", str(directory), "--against-git", "HEAD"]) == 1
