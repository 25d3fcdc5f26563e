"""kairos_localstack.debian_package without the network: the candidate version read from a
stand-in apt-cache, the newest complete tree taken from the cache, and an unpack that
writes its marker last, only once, and says why when apt is missing. The real downloads
run in deploy/tests/test_web.py (nginx) and deploy/tests/test_monitoring.py (promtool)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from kairos_localstack import debian_package
from kairos_localstack.debian_package import MARKER, DebianPackage
from kairos_localstack.proc import StartupError


class Missing(StartupError):
    pass


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KAIROS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def fake_apt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """apt-cache, apt-get and dpkg on PATH that only answer `policy` with version 1.2-3."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "apt-cache": "#!/bin/sh\nprintf 'tool:\\n  Installed: (none)\\n  Candidate: 1:1.2-3\\n'\n",
        "apt-get": "#!/bin/sh\nexit 1\n",
        "dpkg": "#!/bin/sh\nexit 1\n",
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


def _read(home: Path) -> str | None:
    marker = debian_package.read_marker(home)
    return None if marker is None or not (home / "root" / "x").is_file() else str(marker["v"])


def _installed(binary: Path, source: str) -> str:
    return f"{source}: {binary}"


def _home(cache: Path, name: str, v: str, marker: bool) -> Path:
    home = cache / name
    (home / "root").mkdir(parents=True)
    (home / "root" / "x").write_text("")
    if marker:
        (home / MARKER).write_text(json.dumps({"v": v}))
    return home


def _no_fill(version: str, partial: Path, tmp: Path, timeout: float) -> dict[str, object]:
    raise AssertionError("not to be unpacked")


PKG = DebianPackage("tool", "toolbin", Missing, "no apt here", _read, _no_fill, lambda f: None)


def test_the_candidate_version_is_what_apt_cache_policy_says(fake_apt: Path) -> None:
    assert debian_package.candidate_version("tool") == "1:1.2-3"


def test_the_newest_complete_tree_is_taken_from_the_cache(cache: Path) -> None:
    assert PKG.cached() is None
    old = _home(cache, "tool-1", "1", marker=True)
    os.utime(old / MARKER, (1, 1))
    _home(cache, "tool-2", "2", marker=True)
    _home(cache, "tool-3", "3", marker=False)  # cut short: no marker
    _home(cache, "other-4", "4", marker=True)
    assert PKG.cached() == "2"


def test_an_unpack_writes_its_marker_last_and_only_once(
    cache: Path, fake_apt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(debian_package, "_can_update", lambda: False)
    calls: list[str] = []

    def fill(version: str, partial: Path, tmp: Path, timeout: float) -> dict[str, object]:
        calls.append(version)
        assert tmp.is_dir() and not (partial.parent / MARKER).exists()
        partial.mkdir()
        (partial / "x").write_text("")
        return {"v": "filled"}

    checked: list[str] = []
    pkg = replace(PKG, fill=fill, verify=checked.append)
    assert pkg.unpacked(10) == "filled"
    home = cache / "tool-1_1.2-3"  # ':' of the epoch is not in the folder's name
    marker = json.loads((home / MARKER).read_text())
    assert (marker["version"], marker["v"]) == ("1:1.2-3", "filled")
    assert sorted(p.name for p in home.iterdir()) == [".lock", "root", MARKER]
    assert pkg.resolve("KAIROS_TOOL", "toolbin", _installed, 10) == "filled"  # not redone
    assert (calls, checked) == (["1:1.2-3"], ["filled"])


def test_a_failed_fill_leaves_no_marker(cache: Path, fake_apt: Path) -> None:
    def fill(version: str, partial: Path, tmp: Path, timeout: float) -> dict[str, object]:
        partial.mkdir()
        raise Missing("no binary in it")

    with pytest.raises(Missing, match="no binary"):
        replace(PKG, fill=fill).unpacked(10)
    assert not list(cache.glob(f"*/{MARKER}"))
    assert PKG.cached() is None


def test_without_apt_it_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(Missing, match="no apt here"):
        PKG.version(10)
    assert debian_package.candidate_version("tool") is None


def test_an_unknown_package_says_how_to_get_the_lists(
    fake_apt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (fake_apt / "apt-cache").write_text("#!/bin/sh\necho '  Candidate: (none)'\n")
    monkeypatch.setattr(debian_package, "_can_update", lambda: False)
    with pytest.raises(Missing, match=r"apt knows no `tool` package \(run `apt-get update`"):
        PKG.version(10)


def test_the_override_then_path_win_over_the_cache(
    cache: Path, fake_apt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _home(cache, "tool-1", "1", marker=True)
    monkeypatch.delenv("KAIROS_TOOL", raising=False)
    assert PKG.resolve("KAIROS_TOOL", "toolbin", _installed, 10) == "1"
    assert PKG.resolve("KAIROS_TOOL", "apt-get", _installed, 10) == f"PATH: {fake_apt}/apt-get"
    monkeypatch.setenv("KAIROS_TOOL", str(fake_apt / "dpkg"))
    assert PKG.resolve("KAIROS_TOOL", "toolbin", _installed, 10) == f"KAIROS_TOOL: {fake_apt}/dpkg"
    monkeypatch.setenv("KAIROS_TOOL", str(cache / "absent"))
    with pytest.raises(Missing, match=r"KAIROS_TOOL=.* is not an executable file"):
        PKG.resolve("KAIROS_TOOL", "toolbin", _installed, 10)
