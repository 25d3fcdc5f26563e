"""A binary from a Debian package, obtained without installing it (nginx_dist, promtool_dist).

:class:`DebianPackage` names the package and the error its users raise. It finds the
version apt would take (``apt-cache policy``; ``apt-get update`` first when the lists are
missing and we are root), fetches ``.deb`` files with ``apt-get download`` and unpacks them
with ``dpkg -x`` into ``<cache>/<package>-<version>/root`` (cache: ``$KAIROS_CACHE_DIR``,
else ``~/.cache/kairos``), never ``apt-get install`` (a package's post-install may start a
daemon). The tree is built in ``root.partial`` and renamed; a marker (``unpacked.json``)
written last says it is whole; a file lock keeps parallel test workers from unpacking it
twice. Later calls only read the marker (no apt, no network). A shared library the binary
needs that the machine lacks is unpacked beside it from its package
(:meth:`DebianPackage.add_missing_libraries`), for ``LD_LIBRARY_PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from kairos_localstack.kafka_dist import cache_root, file_lock, write_marker
from kairos_localstack.proc import StartupError

MARKER = "unpacked.json"
APT_TIMEOUT = 300.0

T = TypeVar("T")


def candidate_version(package: str) -> str | None:
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


def read_marker(home: Path) -> dict[str, Any] | None:
    """The marker of home (a dict), or None when it is absent or unreadable."""
    try:
        marker = json.loads((home / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _can_update() -> bool:
    return os.geteuid() == 0


@dataclass(frozen=True)
class DebianPackage(Generic[T]):
    """A Debian package to unpack: its name (also the cache folder's prefix), the tool it
    is fetched for (in messages), the error to raise, the message when there is no
    apt-get/dpkg, and what its user does with it: read(home) the complete tree of a cache
    folder (None: not there, or not whole); fill(version, partial, tmp, timeout) download
    and extract it into partial (tmp: a scratch folder), returning the marker's fields;
    verify() check a freshly unpacked one."""

    name: str
    tool: str
    error: type[StartupError]
    no_apt: str
    read: Callable[[Path], T | None]
    fill: Callable[[str, Path, Path, float], dict[str, Any]]
    verify: Callable[[T], None]

    def resolve(
        self, env: str, command: str, installed: Callable[[Path, str], T], timeout: float
    ) -> T:
        """$env (an executable), else command on PATH (both through installed(path,
        source)), else the cached tree, else the package unpacked now."""
        override = os.environ.get(env)
        if override:
            if not os.access(override, os.X_OK):
                raise self.error(f"{env}={override} is not an executable file")
            return installed(Path(override), env)
        found = shutil.which(command)
        if found:
            return installed(Path(found), "PATH")
        return self.cached_or_unpacked(timeout)

    def cached_or_unpacked(self, timeout: float) -> T:
        cached = self.cached()
        return cached if cached is not None else self.unpacked(timeout)

    def cached(self) -> T | None:
        """The most recently unpacked complete tree in the cache, or None."""
        homes = sorted(
            (p for p in cache_root().glob(f"{self.name}-*") if (p / MARKER).is_file()),
            key=lambda p: (p / MARKER).stat().st_mtime,
            reverse=True,
        )
        for home in homes:
            found = self.read(home)
            if found is not None:
                return found
        return None

    def apt(
        self, argv: list[str], cwd: Path | None, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        # Wait for another apt (a parallel apt-get install) instead of failing on its lock.
        argv = [argv[0], "-o", "DPkg::Lock::Timeout=120", *argv[1:]]
        try:
            return subprocess.run(
                argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise self.error(f"{' '.join(argv)} took more than {timeout:.0f}s") from None

    def version(self, timeout: float) -> str:
        """The candidate version, updating the package lists first when they are missing
        and we are root."""
        if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
            raise self.error(self.no_apt)
        version = candidate_version(self.name)
        if version is None and _can_update():  # a fresh machine: no package lists yet
            self.apt(["apt-get", "update", "-qq"], None, timeout)
            version = candidate_version(self.name)
        if version is None:
            why = "" if _can_update() else " (run `apt-get update` as root)"
            raise self.error(f"apt knows no `{self.name}` package{why}: cannot fetch {self.tool}")
        return version

    def download(self, packages: list[str], into: Path, timeout: float) -> list[Path]:
        """The .deb files of packages (name=version), fetched into a folder of their own."""
        into.mkdir(parents=True, exist_ok=True)
        res = self.apt(["apt-get", "download", "-q", *packages], into, timeout)
        if res.returncode != 0 and _can_update():  # stale lists: the version is gone
            self.apt(["apt-get", "update", "-qq"], None, timeout)
            res = self.apt(["apt-get", "download", "-q", *packages], into, timeout)
        if res.returncode != 0:
            tail = " | ".join((res.stdout + res.stderr).strip().splitlines()[-3:])
            raise self.error(f"apt-get download {' '.join(packages)} failed: {tail}")
        debs = sorted(into.glob("*.deb"))
        if not debs:
            raise self.error(f"apt-get download {' '.join(packages)} left no .deb file")
        return debs

    def extract(self, deb: Path, root: Path) -> None:
        res = subprocess.run(
            ["dpkg", "-x", str(deb), str(root)], capture_output=True, text=True, check=False
        )
        if res.returncode != 0:
            raise self.error(f"dpkg -x {deb.name} failed: {res.stderr.strip()[:200]}")

    def unpacked(self, timeout: float) -> T:
        """The candidate version unpacked into the cache and read back. Under the folder's
        lock, unless another worker finished meanwhile: fill() into partial, partial
        renamed to root, the marker written last, verify() of what read() gives back."""
        version = self.version(timeout)
        home = cache_root() / f"{self.name}-{version.replace(':', '_')}"
        home.mkdir(parents=True, exist_ok=True)
        with file_lock(home / ".lock", timeout):
            found = self.read(home)  # another worker may have finished meanwhile
            if found is not None:
                return found
            started = time.monotonic()
            (home / MARKER).unlink(missing_ok=True)
            root, partial = home / "root", home / "root.partial"
            shutil.rmtree(partial, ignore_errors=True)
            with tempfile.TemporaryDirectory(dir=home, prefix="download.") as tmp:
                fields = self.fill(version, partial, Path(tmp), timeout)
            shutil.rmtree(root, ignore_errors=True)
            partial.rename(root)
            seconds = round(time.monotonic() - started, 1)
            marker = {"version": version, **fields, "unpack_seconds": seconds}
            write_marker(home / MARKER, marker)  # written last: the tree is whole
            found = self.read(home)
            if found is None:
                raise self.error(
                    f"unpacked {self.name} {version} into {home} but cannot read it back"
                )
            self.verify(found)
            return found

    # -- shared libraries the machine lacks ---------------------------------------------

    def add_missing_libraries(
        self, binary: Path, version: str, deb: Path, root: Path, tmp: Path, timeout: float
    ) -> list[str]:
        """When ldd finds shared libraries of binary missing, the lib* packages deb depends
        on that are not installed, unpacked into root. The folders of root holding
        libraries (relative to root, for LD_LIBRARY_PATH; empty when none were missing)."""
        lib_dirs: list[str] = []
        if missing_libraries(binary, {}):
            libs = library_packages(deb)
            if libs:
                for lib in self.download(libs, tmp / "libs", timeout):
                    self.extract(lib, root)
            lib_dirs = self._lib_dirs(root)
        env = {"LD_LIBRARY_PATH": os.pathsep.join(str(root / d) for d in lib_dirs)}
        still = missing_libraries(binary, env if lib_dirs else {})
        if still:
            raise self.error(f"{self.tool} {version} needs {', '.join(still)}: not found")
        return lib_dirs

    def _lib_dirs(self, root: Path) -> list[str]:
        """The folders of root holding shared libraries, relative to root (not the
        package's own folders, e.g. usr/lib/nginx/modules)."""
        dirs = {p.parent for p in root.glob("**/lib*.so*") if self.name not in p.parent.parts}
        return sorted(str(d.relative_to(root)) for d in dirs)


def missing_libraries(binary: Path, env: dict[str, str]) -> list[str]:
    """The shared libraries ldd cannot find for binary (empty without ldd)."""
    if shutil.which("ldd") is None:
        return []
    res = subprocess.run(
        ["ldd", str(binary)], capture_output=True, text=True, env={**os.environ, **env}
    )
    return re.findall(r"^\s*(\S+) => not found", res.stdout, re.MULTILINE)


def library_packages(deb: Path) -> list[str]:
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
