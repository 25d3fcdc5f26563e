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

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kairos_localstack.kafka_dist import cache_root, file_lock
from kairos_localstack.proc import StartupError

PACKAGE = "nginx"
#: /etc/nginx/mime.types
COMMON_PACKAGE = "nginx-common"
MARKER = "unpacked.json"
APT_TIMEOUT = 300.0


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
    override = os.environ.get("KAIROS_NGINX")
    if override:
        path = Path(override)
        if not os.access(path, os.X_OK):
            raise NginxUnavailable(f"KAIROS_NGINX={override} is not an executable file")
        return _installed(path, "KAIROS_NGINX")
    found = shutil.which("nginx")
    if found:
        return _installed(Path(found), "PATH")
    cached = _cached()
    if cached is not None:
        return cached
    return _unpack_debian(timeout)


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
    try:
        marker = json.loads((home / MARKER).read_text())
        root = home / "root"
        binary = root / marker["binary"]
        mime = root / marker["mime_types"]
        lib_dirs = [str(root / d) for d in marker.get("lib_dirs", [])]
        version = str(marker["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not binary.is_file() or not mime.is_file():
        return None
    env = {"LD_LIBRARY_PATH": os.pathsep.join(lib_dirs)} if lib_dirs else {}
    return NginxDist(binary, version, mime, env, str(home))


def _cached() -> NginxDist | None:
    """The most recently unpacked complete nginx in the cache, or None."""
    root = cache_root()
    homes = sorted(
        (p for p in root.glob(f"{PACKAGE}-*") if (p / MARKER).is_file()),
        key=lambda p: (p / MARKER).stat().st_mtime,
        reverse=True,
    )
    for home in homes:
        dist = _read_marker(home)
        if dist is not None:
            return dist
    return None


def _can_update() -> bool:
    return os.geteuid() == 0


def _apt(argv: list[str], cwd: Path | None, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    # Wait for another apt (a parallel apt-get install) instead of failing on its lock.
    argv = [argv[0], "-o", "DPkg::Lock::Timeout=120", *argv[1:]]
    try:
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise NginxUnavailable(f"{' '.join(argv)} took more than {timeout:.0f}s") from None


def candidate_version(package: str = PACKAGE) -> str | None:
    """The version apt would take of package, or None (no apt, or not in its lists)."""
    if shutil.which("apt-cache") is None:
        return None
    res = subprocess.run(
        ["apt-cache", "policy", package],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    match = re.search(r"^\s*Candidate:\s*(\S+)", res.stdout, re.MULTILINE)
    if res.returncode != 0 or match is None or match.group(1) == "(none)":
        return None
    return match.group(1)


def _version_or_update(timeout: float) -> str:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise NginxUnavailable(
            "no nginx on this machine and no apt-get/dpkg to fetch Debian's package: "
            "install nginx or set KAIROS_NGINX to an nginx binary"
        )
    version = candidate_version()
    if version is None and _can_update():  # a fresh machine: no package lists yet
        _apt(["apt-get", "update", "-qq"], None, timeout)
        version = candidate_version()
    if version is None:
        why = "" if _can_update() else " (run `apt-get update` as root)"
        raise NginxUnavailable(f"apt knows no `{PACKAGE}` package{why}: cannot fetch nginx")
    return version


def _download(packages: list[str], into: Path, timeout: float) -> list[Path]:
    """The .deb files of packages (name=version), fetched into a folder of their own."""
    into.mkdir(parents=True, exist_ok=True)
    res = _apt(["apt-get", "download", "-q", *packages], into, timeout)
    if res.returncode != 0 and _can_update():  # stale lists: the version is gone
        _apt(["apt-get", "update", "-qq"], None, timeout)
        res = _apt(["apt-get", "download", "-q", *packages], into, timeout)
    if res.returncode != 0:
        tail = " | ".join((res.stdout + res.stderr).strip().splitlines()[-3:])
        raise NginxUnavailable(f"apt-get download {' '.join(packages)} failed: {tail}")
    debs = sorted(into.glob("*.deb"))
    if not debs:
        raise NginxUnavailable(f"apt-get download {' '.join(packages)} left no .deb file")
    return debs


def _extract(deb: Path, root: Path) -> None:
    res = subprocess.run(
        ["dpkg", "-x", str(deb), str(root)], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise NginxUnavailable(f"dpkg -x {deb.name} failed: {res.stderr.strip()[:200]}")


def _missing_libraries(binary: Path, env: dict[str, str]) -> list[str]:
    """The shared libraries ldd cannot find for binary (empty without ldd)."""
    if shutil.which("ldd") is None:
        return []
    res = subprocess.run(
        ["ldd", str(binary)], capture_output=True, text=True, env={**os.environ, **env}
    )
    return re.findall(r"^\s*(\S+) => not found", res.stdout, re.MULTILINE)


def _library_packages(deb: Path) -> list[str]:
    """The lib* packages deb depends on that dpkg says are not installed."""
    res = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=False
    )
    names = re.findall(r"(?:^|,|\|)\s*(lib[a-z0-9.+-]+)", res.stdout)
    missing = []
    for name in dict.fromkeys(names):
        status = subprocess.run(
            ["dpkg-query", "-W", "-f=${db:Status-Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if status.stdout.strip() != "installed":
            missing.append(name)
    return missing


def _lib_dirs(root: Path) -> list[str]:
    """The folders of root holding shared libraries, relative to root."""
    dirs = {p.parent for p in root.glob("**/lib*.so*") if "nginx" not in p.parent.parts}
    return sorted(str(d.relative_to(root)) for d in dirs)


def _unpack_debian(timeout: float) -> NginxDist:
    version = _version_or_update(timeout)
    home = cache_root() / f"{PACKAGE}-{version.replace(':', '_')}"
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / ".lock", timeout):
        dist = _read_marker(home)  # another worker may have finished meanwhile
        if dist is None:
            dist = _unpack_into(home, version, timeout)
    return dist


def _unpack_into(home: Path, version: str, timeout: float) -> NginxDist:
    started = time.monotonic()
    (home / MARKER).unlink(missing_ok=True)
    root, partial = home / "root", home / "root.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=home, prefix="download.") as tmp:
        wanted = [f"{PACKAGE}={version}", f"{COMMON_PACKAGE}={version}"]
        debs = _download(wanted, Path(tmp) / "nginx", timeout)
        for deb in debs:
            _extract(deb, partial)
        binary = partial / "usr" / "sbin" / "nginx"
        if not binary.is_file():
            raise NginxUnavailable(f"Debian's {PACKAGE} {version} has no usr/sbin/nginx")
        lib_dirs: list[str] = []
        if _missing_libraries(binary, {}):
            (nginx_deb,) = [d for d in debs if d.name.startswith(f"{PACKAGE}_")]
            libs = _library_packages(nginx_deb)
            if libs:
                for deb in _download(libs, Path(tmp) / "libs", timeout):
                    _extract(deb, partial)
            lib_dirs = _lib_dirs(partial)
        env = {"LD_LIBRARY_PATH": os.pathsep.join(str(partial / d) for d in lib_dirs)}
        still = _missing_libraries(binary, env if lib_dirs else {})
        if still:
            raise NginxUnavailable(f"nginx {version} needs {', '.join(still)}: not found")
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    marker = {
        "version": version,
        "binary": "usr/sbin/nginx",
        "mime_types": "etc/nginx/mime.types",
        "lib_dirs": lib_dirs,
        "unpack_seconds": round(time.monotonic() - started, 1),
    }
    tmp_marker = home / (MARKER + ".tmp")
    tmp_marker.write_text(json.dumps(marker, indent=2))
    os.replace(tmp_marker, home / MARKER)  # written last: its presence means the tree is whole
    dist = _read_marker(home)
    if dist is None:
        raise NginxUnavailable(f"unpacked nginx {version} into {home} but cannot read it back")
    check = subprocess.run(
        [str(dist.binary), "-v"], capture_output=True, text=True, env=dist.environ()
    )
    if check.returncode != 0:
        raise NginxUnavailable(f"the unpacked nginx does not run: {check.stderr.strip()[:200]}")
    return dist


def main() -> None:
    """``python -m kairos_localstack.nginx_dist``: obtain nginx, print where it is."""
    started = time.monotonic()
    dist = resolve()
    took = time.monotonic() - started
    print(f"nginx {dist.version}: {dist.binary} ({dist.source}, {took:.2f}s)")


if __name__ == "__main__":
    main()
