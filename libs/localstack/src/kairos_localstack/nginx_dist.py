"""A real nginx binary for tests (deploy/tests/test_web.py runs deploy/web/nginx.conf in it),
obtained without installing or starting anything.

``resolve()`` answers, in this order:

1. ``$KAIROS_NGINX``, the path of an nginx binary, when set;
2. ``nginx`` on PATH, when installed;
3. Debian's ``nginx`` package (it holds ``/usr/sbin/nginx``; ``nginx-common`` holds
   ``mime.types``), fetched with ``apt-get download`` and unpacked with ``dpkg -x`` into
   ``<cache>/nginx-<version>/root`` (cache: ``$KAIROS_CACHE_DIR``, else
   ``~/.cache/kairos``). Never ``apt-get install nginx``: the package's post-install would
   start a daemon on port 80. A shared library the binary needs that the machine lacks
   (libssl3, libpcre2 on a bare image) is unpacked beside it from its package and put on
   ``LD_LIBRARY_PATH``. A marker written last says the unpacked tree is whole; a file lock
   keeps parallel test workers from unpacking it twice. Later calls only read the marker
   (no apt, no network); remove the folder to take a newer Debian nginx.

When none of these gives a binary (no apt-get, no package lists and not root to update
them), NginxUnavailable says why in one line.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kairos_localstack import debian_package
from kairos_localstack.debian_package import DebianPackage, read_marker
from kairos_localstack.proc import StartupError

PACKAGE = "nginx"
#: /etc/nginx/mime.types
COMMON_PACKAGE = "nginx-common"
MARKER = debian_package.MARKER
APT_TIMEOUT = debian_package.APT_TIMEOUT


class NginxUnavailable(StartupError):
    """No nginx binary on this machine and none could be obtained (the message says why)."""


@dataclass(frozen=True)
class NginxDist:
    """An nginx binary, its version, the mime.types shipped with it (None: not known) and
    the environment to run it with (LD_LIBRARY_PATH for libraries unpacked beside it)."""

    binary: Path
    version: str
    mime_types: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    source: str = ""  # "KAIROS_NGINX", "PATH" or the cache folder

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with what the binary needs."""
        out = dict(os.environ if base is None else base)
        for key, value in self.env.items():
            out[key] = f"{value}{os.pathsep}{out[key]}" if out.get(key) else value
        return out


def resolve(timeout: float = APT_TIMEOUT) -> NginxDist:
    """An nginx binary to run (see the module's docstring), unpacking Debian's if needed."""
    return DEBIAN.resolve("KAIROS_NGINX", "nginx", _installed, timeout)


# -- an installed binary -----------------------------------------------------------------


def _installed(binary: Path, source: str) -> NginxDist:
    res = subprocess.run([str(binary), "-V"], capture_output=True, text=True, timeout=30)
    out = res.stderr + res.stdout
    match = re.search(r"nginx version: nginx/(\S+)", out)
    if res.returncode != 0 or match is None:
        raise NginxUnavailable(f"{binary} -V failed: {out.strip()[:200]}")
    conf = re.search(r"--conf-path=(\S+)", out)
    mime = Path(conf.group(1)).parent / "mime.types" if conf else None
    return NginxDist(binary, match.group(1), mime if mime and mime.is_file() else None, {}, source)


# -- Debian's package, unpacked into the cache -------------------------------------------


def _read_marker(home: Path) -> NginxDist | None:
    """The complete unpacked nginx in home, or None."""
    marker = read_marker(home)
    if marker is None:
        return None
    try:
        root = home / "root"
        binary = root / marker["binary"]
        mime = root / marker["mime_types"]
        lib_dirs = [str(root / d) for d in marker.get("lib_dirs", [])]
        version = str(marker["version"])
    except (KeyError, TypeError):
        return None
    if not binary.is_file() or not mime.is_file():
        return None
    env = {"LD_LIBRARY_PATH": os.pathsep.join(lib_dirs)} if lib_dirs else {}
    return NginxDist(binary, version, mime, env, str(home))


def candidate_version(package: str = PACKAGE) -> str | None:
    """The version apt would take of package, or None (no apt, or not in its lists)."""
    return debian_package.candidate_version(package)


def _fill(version: str, partial: Path, tmp: Path, timeout: float) -> dict[str, Any]:
    """nginx and nginx-common (and the libraries the machine lacks) unpacked into partial;
    the marker's fields."""
    wanted = [f"{PACKAGE}={version}", f"{COMMON_PACKAGE}={version}"]
    debs = DEBIAN.download(wanted, tmp / "nginx", timeout)
    for deb in debs:
        DEBIAN.extract(deb, partial)
    binary = partial / "usr" / "sbin" / "nginx"
    if not binary.is_file():
        raise NginxUnavailable(f"Debian's {PACKAGE} {version} has no usr/sbin/nginx")
    (nginx_deb,) = [d for d in debs if d.name.startswith(f"{PACKAGE}_")]
    lib_dirs = DEBIAN.add_missing_libraries(binary, version, nginx_deb, partial, tmp, timeout)
    return {"binary": "usr/sbin/nginx", "mime_types": "etc/nginx/mime.types", "lib_dirs": lib_dirs}


def _verify(dist: NginxDist) -> None:
    check = subprocess.run(
        [str(dist.binary), "-v"], capture_output=True, text=True, env=dist.environ()
    )
    if check.returncode != 0:
        raise NginxUnavailable(f"the unpacked nginx does not run: {check.stderr.strip()[:200]}")


DEBIAN = DebianPackage(
    PACKAGE,
    "nginx",
    NginxUnavailable,
    "no nginx on this machine and no apt-get/dpkg to fetch Debian's package: "
    "install nginx or set KAIROS_NGINX to an nginx binary",
    _read_marker,
    _fill,
    _verify,
)


def main() -> None:
    """``python -m kairos_localstack.nginx_dist``: obtain nginx, print where it is."""
    started = time.monotonic()
    dist = resolve()
    took = time.monotonic() - started
    print(f"nginx {dist.version}: {dist.binary} ({dist.source}, {took:.2f}s)")


if __name__ == "__main__":
    main()
