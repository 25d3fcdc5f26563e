"""kairos_localstack.nginx_dist without the network: which binary it picks, and that only a
complete unpacked tree (its marker written last) is taken from the cache. The download
itself runs in deploy/tests/test_web.py, which needs the binary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kairos_localstack import nginx_dist


def _fake_unpacked(home: Path, version: str, marker: bool) -> Path:
    root = home / "root"
    binary = root / "usr" / "sbin" / "nginx"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho 'nginx version: nginx/1.0' >&2\n")
    binary.chmod(0o755)
    (root / "etc" / "nginx").mkdir(parents=True)
    (root / "etc" / "nginx" / "mime.types").write_text("types { text/html html; }")
    if marker:
        (home / nginx_dist.MARKER).write_text(
            json.dumps(
                {
                    "version": version,
                    "binary": "usr/sbin/nginx",
                    "mime_types": "etc/nginx/mime.types",
                    "lib_dirs": ["usr/lib/x86_64-linux-gnu"],
                }
            )
        )
    return binary


@pytest.fixture
def no_nginx_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KAIROS_CACHE_DIR", str(cache))
    monkeypatch.delenv("KAIROS_NGINX", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    return cache


def test_a_complete_unpacked_tree_is_taken_from_the_cache(no_nginx_on_path: Path) -> None:
    _fake_unpacked(no_nginx_on_path / "nginx-1.0-1", "1.0-1", marker=False)  # interrupted
    binary = _fake_unpacked(no_nginx_on_path / "nginx-1.0-2", "1.0-2", marker=True)
    dist = nginx_dist.resolve()
    assert (dist.binary, dist.version) == (binary, "1.0-2")
    assert dist.mime_types == binary.parents[2] / "etc" / "nginx" / "mime.types"
    lib = str(binary.parents[2] / "usr" / "lib" / "x86_64-linux-gnu")
    assert dist.environ({"LD_LIBRARY_PATH": "/x"})["LD_LIBRARY_PATH"] == f"{lib}:/x"
    assert dist.environ({})["LD_LIBRARY_PATH"] == lib


def test_without_apt_or_a_cache_it_says_why(no_nginx_on_path: Path) -> None:
    with pytest.raises(nginx_dist.NginxUnavailable, match="apt-get"):
        nginx_dist.resolve()


def test_kairos_nginx_wins_and_must_be_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAIROS_NGINX", str(tmp_path / "absent"))
    with pytest.raises(nginx_dist.NginxUnavailable, match="KAIROS_NGINX"):
        nginx_dist.resolve()
    binary = _fake_unpacked(tmp_path / "x", "9", marker=False)
    monkeypatch.setenv("KAIROS_NGINX", str(binary))
    dist = nginx_dist.resolve()
    assert (dist.binary, dist.version, dist.source) == (binary, "1.0", "KAIROS_NGINX")
    assert dist.mime_types is None  # `-V` names no --conf-path
