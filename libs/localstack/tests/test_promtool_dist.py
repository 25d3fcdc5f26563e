"""kairos_localstack.promtool_dist without the network: which binary it picks, that only a
complete unpacked tree (its marker written last) is taken from the cache, and that it says
why when there is none. The download itself runs in deploy/tests/test_monitoring.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kairos_localstack import promtool_dist


def _fake_unpacked(home: Path, version: str, marker: bool) -> Path:
    binary = home / "root" / promtool_dist.BINARY
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\necho 'promtool, version {version}'\n")
    binary.chmod(0o755)
    if marker:
        marker_text = json.dumps({"version": version, "binary": promtool_dist.BINARY})
        (home / promtool_dist.MARKER).write_text(marker_text)
    return binary


@pytest.fixture
def no_promtool_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KAIROS_CACHE_DIR", str(cache))
    monkeypatch.delenv("KAIROS_PROMTOOL", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    return cache


def test_a_complete_unpacked_tree_is_taken_from_the_cache(no_promtool_on_path: Path) -> None:
    _fake_unpacked(no_promtool_on_path / "prometheus-2.0-1", "2.0-1", marker=False)  # cut short
    binary = _fake_unpacked(no_promtool_on_path / "prometheus-2.0-2", "2.0-2", marker=True)
    dist = promtool_dist.resolve()
    assert (dist.binary, dist.version) == (binary, "2.0-2")
    assert dist.run("--version").stdout.strip() == "promtool, version 2.0-2"


def test_without_apt_or_a_cache_it_says_why(no_promtool_on_path: Path) -> None:
    with pytest.raises(promtool_dist.PromtoolUnavailable, match="apt-get"):
        promtool_dist.resolve()


def test_kairos_promtool_names_the_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _fake_unpacked(tmp_path, "9.9.9", marker=False)
    monkeypatch.setenv("KAIROS_PROMTOOL", str(binary))
    dist = promtool_dist.resolve()
    assert (dist.binary, dist.version, dist.source) == (binary, "9.9.9", "KAIROS_PROMTOOL")
    monkeypatch.setenv("KAIROS_PROMTOOL", str(tmp_path / "missing"))
    with pytest.raises(promtool_dist.PromtoolUnavailable, match="KAIROS_PROMTOOL"):
        promtool_dist.resolve()


def test_the_server_comes_from_the_same_unpacked_tree(
    no_promtool_on_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAIROS_PROMETHEUS_BINARY", raising=False)
    home = no_promtool_on_path / "prometheus-2.0-2"
    _fake_unpacked(home, "2.0-2", marker=True)
    with pytest.raises(promtool_dist.PromtoolUnavailable, match="usr/bin/prometheus"):
        promtool_dist.resolve_server()  # a tree without the server: says so
    server = home / "root" / promtool_dist.SERVER_BINARY
    server.write_text("#!/bin/sh\necho 'prometheus, version 2.0'\n")
    server.chmod(0o755)
    dist = promtool_dist.resolve_server()
    assert (dist.binary, dist.version, dist.root) == (server, "2.0-2", home / "root")
    assert f"--web.local-assets={home / 'root/usr/share/prometheus/web'}" in dist.asset_flags()
    monkeypatch.setenv("KAIROS_PROMETHEUS_BINARY", str(server))
    other = promtool_dist.resolve_server()
    assert (other.binary, other.version, other.asset_flags()) == (server, "2.0", [])
