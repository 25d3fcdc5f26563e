"""The Apache Kafka jars: libs/localstack/kafka/pom.xml resolved once into a cache.

``resolve()`` runs ``mvn dependency:copy-dependencies`` on the checked-in descriptor into
``<cache>/kafka-<version>/libs`` (cache: ``$KAIROS_CACHE_DIR``, else ``~/.cache/kairos``),
outside the work tree, and returns the classpath. A marker written last (holding a hash of
the descriptor) says the copy is complete: an interrupted resolve, or an edited descriptor,
is redone. A file lock keeps two processes resolving at once from clobbering each other.
Later calls only read the marker and list the folder (no mvn, no JVM).

``java`` (17 or newer; ``$JAVA_HOME/bin/java`` when JAVA_HOME is set) and ``mvn`` are taken
from the machine. When one is missing and we run as root on Debian, they are installed with
apt-get; otherwise StartupError says in one line what is missing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kairos_localstack.proc import StartupError

#: the checked-in descriptor
POM = Path(__file__).resolve().parents[2] / "kafka" / "pom.xml"
MIN_JAVA = 17
MARKER = "resolved.json"
MVN_TIMEOUT = 900.0


@dataclass(frozen=True)
class KafkaDist:
    """A resolved Kafka: its version, cache folder, jars and the java to run them with."""

    version: str
    home: Path
    jars: tuple[Path, ...]
    java: str

    @property
    def classpath(self) -> str:
        return os.pathsep.join(str(j) for j in self.jars)

    @property
    def lock_file(self) -> Path:
        return self.home / ".lock"


def kafka_version(pom: Path = POM) -> str:
    """The <kafka.version> property of the descriptor."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise StartupError(f"no <kafka.version> in {pom}")
    return match.group(1)


def cache_root() -> Path:
    env = os.environ.get("KAIROS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kairos"


def _pom_hash(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def _read_marker(home: Path, pom_hash: str) -> tuple[Path, ...] | None:
    """The jars of a complete resolve of this descriptor in home, or None."""
    try:
        marker = json.loads((home / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if marker.get("pom_sha256") != pom_hash:
        return None
    jars = tuple(home / "libs" / name for name in marker.get("jars", []))
    if not jars or not all(j.is_file() for j in jars):
        return None
    return jars


def resolve(pom: Path = POM, timeout: float = MVN_TIMEOUT) -> KafkaDist:
    """The Kafka classpath, resolving the descriptor first if the cache lacks it."""
    if not pom.is_file():
        raise StartupError(f"Kafka descriptor missing: {pom}")
    version, digest = kafka_version(pom), _pom_hash(pom)
    home = cache_root() / f"kafka-{version}"
    jars = _read_marker(home, digest)
    if jars is not None:
        return KafkaDist(version, home, jars, java_binary())
    java = ensure_tools()
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / ".lock", timeout):
        jars = _read_marker(home, digest)  # another process may have finished meanwhile
        if jars is None:
            jars = _copy_dependencies(pom, home, digest, version, timeout)
    return KafkaDist(version, home, jars, java)


def _copy_dependencies(
    pom: Path, home: Path, digest: str, version: str, timeout: float
) -> tuple[Path, ...]:
    (home / MARKER).unlink(missing_ok=True)
    libs, partial = home / "libs", home / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    argv = [
        "mvn",
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={partial}",
    ]
    started = time.monotonic()
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise StartupError(f"mvn did not resolve {pom} within {timeout:.0f}s") from None
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-15:])
        raise StartupError(f"mvn could not resolve {pom} (exit {res.returncode}):\n{tail}")
    names = sorted(p.name for p in partial.glob("*.jar"))
    if not any(n.startswith(f"kafka_2.13-{version}") for n in names):
        raise StartupError(f"mvn resolved {pom} but kafka_2.13-{version}.jar is missing")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    marker = {
        "pom_sha256": digest,
        "version": version,
        "jars": names,
        "resolve_seconds": round(time.monotonic() - started, 1),
    }
    write_marker(home / MARKER, marker)  # written last: its presence means the copy is whole
    return tuple(libs / n for n in names)


@contextlib.contextmanager
def file_lock(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive flock on path (created if needed), waited for up to timeout seconds."""
    with open(path, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StartupError(f"{path} still locked after {timeout:.0f}s") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_marker(path: Path, marker: dict[str, Any]) -> None:
    """marker as JSON at path, atomically (a reader sees the whole file or none)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(marker, indent=2))
    os.replace(tmp, path)


# -- java and mvn ------------------------------------------------------------------------


def java_binary() -> str:
    """$JAVA_HOME/bin/java if it exists, else java on PATH; StartupError if neither."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home) / "bin" / "java", os.X_OK):
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise StartupError(_missing_message(["java"]))
    return found


def java_major(java: str) -> int:
    """The feature version of a java binary (8 for 1.8, 17 for 17.0.x)."""
    res = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', res.stderr + res.stdout)
    if match is None:
        raise StartupError(f"cannot tell the version of {java}: {res.stderr.strip()[:200]}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _can_install() -> bool:
    """Root on a Debian-like system: missing tools are installed with apt-get."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _missing_message(missing: list[str]) -> str:
    what = " and ".join(f"`{m}`" for m in missing)
    return (
        f"Apache Kafka for the local stack needs {what} (Java {MIN_JAVA}+ and Maven) on PATH: "
        f"install them (Debian: apt-get install openjdk-{MIN_JAVA}-jre-headless maven) "
        "or run as root to have them installed, or set KAFKA_BOOTSTRAP_SERVERS"
    )


def _java_ok() -> str | None:
    try:
        java = java_binary()
    except StartupError:
        return None
    return java if java_major(java) >= MIN_JAVA else None


def ensure_tools() -> str:
    """java (17+) and mvn present, installed with apt-get if missing and allowed. Returns
    the java binary to use."""
    java = _java_ok()
    missing = [name for name, ok in (("java", java), ("mvn", shutil.which("mvn"))) if not ok]
    if not missing:
        assert java is not None
        return java
    if not _can_install():
        raise StartupError(_missing_message(missing))
    packages = ["maven"] if "mvn" in missing else []
    if "java" in missing:
        packages.insert(0, f"openjdk-{MIN_JAVA}-jre-headless")
    _apt_install(packages)
    java = _java_ok()
    if java is None or shutil.which("mvn") is None:
        raise StartupError(_missing_message(missing) + " (apt-get install did not provide them)")
    return java


def _apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    argv = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    res = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:  # the package lists may be missing or stale on a fresh machine
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        res = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0 and f"openjdk-{MIN_JAVA}-jre-headless" in packages:
        # A Debian release without Java 17 packages: its default JRE is newer.
        argv = [a if not a.startswith("openjdk-") else "default-jre-headless" for a in argv]
        res = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        tail = (res.stdout + res.stderr).strip().splitlines()[-3:]
        raise StartupError(f"apt-get install {' '.join(packages)} failed: {' | '.join(tail)}")
