"""``promtool`` for the monitoring rules (deploy/monitoring), obtained without installing or
starting anything.

``resolve()`` answers, in this order:

1. ``$KAIROS_PROMTOOL``, the path of a promtool binary, when set;
2. ``promtool`` on PATH, when installed;
3. Debian's ``prometheus`` package (it holds ``/usr/bin/promtool``), fetched with
   ``apt-get download`` and unpacked with ``dpkg -x`` into
   ``<cache>/prometheus-<version>/root`` (cache: ``$KAIROS_CACHE_DIR``, else
   ``~/.cache/kairos``). Never ``apt-get install prometheus``: the package's post-install
   would start a Prometheus server nobody stops. A marker written last says the unpacked
   tree is whole; a file lock keeps parallel test workers from unpacking it twice. Later
   calls only read the marker (no apt, no network); remove the folder to take a newer one.

When none of these gives a binary (no apt-get, no package lists and not root to update
them), PromtoolUnavailable says why in one line.

``resolve_server()`` answers the Prometheus server of that same unpacked package
(``usr/bin/prometheus``, with its web assets and console folders), for the local stack's
Prometheus on demand (``kairos-stack up --prometheus``); ``$KAIROS_PROMETHEUS_BINARY`` names
another prometheus binary instead. It never looks on PATH: a Prometheus installed there may
be a distribution's service, and the stack only runs the one it unpacked.

``python -m kairos_localstack.promtool_dist check`` runs ``promtool check rules`` on every
rule file and ``promtool test rules`` on every test file of deploy/monitoring (``make lint``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kairos_localstack.kafka_dist import cache_root, file_lock
from kairos_localstack.proc import StartupError

PACKAGE = "prometheus"
BINARY = "usr/bin/promtool"
#: the Prometheus server of the same package (kairos-stack up --prometheus)
SERVER_BINARY = "usr/bin/prometheus"
MARKER = "unpacked.json"
APT_TIMEOUT = 300.0
#: the rule files (rules/*.yml) and their unit tests (tests/*.yml)
MONITORING = Path(__file__).resolve().parents[4] / "deploy" / "monitoring"


class PromtoolUnavailable(StartupError):
    """No promtool on this machine and none could be obtained (the message says why)."""


@dataclass(frozen=True)
class PromtoolDist:
    binary: Path
    version: str
    source: str  # "KAIROS_PROMTOOL", "PATH" or the cache folder

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args], cwd=cwd, capture_output=True, text=True, timeout=120
        )


@dataclass(frozen=True)
class PrometheusDist:
    """The ``prometheus`` server binary and, when it comes from the unpacked package, the
    tree it was unpacked into (its web assets and console templates live there)."""

    binary: Path
    version: str
    root: Path | None  # <cache>/prometheus-<version>/root, None for $KAIROS_PROMETHEUS_BINARY

    def asset_flags(self) -> list[str]:
        """Command-line flags pointing the server at the package's own web assets and
        console folders (its defaults are /usr/share/... and /etc/..., not unpacked there)."""
        if self.root is None:
            return []
        return [
            f"--web.local-assets={self.root / 'usr/share/prometheus/web'}",
            f"--web.console.templates={self.root / 'etc/prometheus/consoles'}",
            f"--web.console.libraries={self.root / 'etc/prometheus/console_libraries'}",
        ]


def resolve_server(timeout: float = APT_TIMEOUT) -> PrometheusDist:
    """The Prometheus server: ``$KAIROS_PROMETHEUS_BINARY``, else Debian's package unpacked
    into the cache as for promtool (fetched once, then read from the marker)."""
    override = os.environ.get("KAIROS_PROMETHEUS_BINARY")
    if override:
        if not os.access(override, os.X_OK):
            raise PromtoolUnavailable(
                f"KAIROS_PROMETHEUS_BINARY={override} is not an executable file"
            )
        res = subprocess.run([override, "--version"], capture_output=True, text=True, timeout=30)
        match = re.search(r"prometheus, version (\S+)", res.stdout + res.stderr)
        if res.returncode != 0 or match is None:
            raise PromtoolUnavailable(f"{override} --version failed: {res.stderr.strip()[:200]}")
        return PrometheusDist(Path(override), match.group(1), None)
    dist = _cached() or _unpack_debian(timeout)
    home = Path(dist.source)
    binary = home / "root" / SERVER_BINARY
    if not binary.is_file():
        raise PromtoolUnavailable(f"{home} holds no {SERVER_BINARY}: remove it to unpack again")
    return PrometheusDist(binary, dist.version, home / "root")


def resolve(timeout: float = APT_TIMEOUT) -> PromtoolDist:
    """A promtool to run (see the module's docstring), unpacking Debian's if needed."""
    override = os.environ.get("KAIROS_PROMTOOL")
    if override:
        if not os.access(override, os.X_OK):
            raise PromtoolUnavailable(f"KAIROS_PROMTOOL={override} is not an executable file")
        return _installed(Path(override), "KAIROS_PROMTOOL")
    found = shutil.which("promtool")
    if found:
        return _installed(Path(found), "PATH")
    cached = _cached()
    if cached is not None:
        return cached
    return _unpack_debian(timeout)


def _installed(binary: Path, source: str) -> PromtoolDist:
    res = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(r"promtool, version (\S+)", res.stdout + res.stderr)
    if res.returncode != 0 or match is None:
        raise PromtoolUnavailable(f"{binary} --version failed: {res.stderr.strip()[:200]}")
    return PromtoolDist(binary, match.group(1), source)


def _read_marker(home: Path) -> PromtoolDist | None:
    try:
        marker = json.loads((home / MARKER).read_text())
        binary = home / "root" / marker["binary"]
        version = str(marker["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return PromtoolDist(binary, version, str(home)) if binary.is_file() else None


def _cached() -> PromtoolDist | None:
    """The most recently unpacked complete promtool in the cache, or None."""
    homes = sorted(
        (p for p in cache_root().glob(f"{PACKAGE}-*") if (p / MARKER).is_file()),
        key=lambda p: (p / MARKER).stat().st_mtime,
        reverse=True,
    )
    for home in homes:
        dist = _read_marker(home)
        if dist is not None:
            return dist
    return None


def _apt(argv: list[str], cwd: Path | None, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    argv = [argv[0], "-o", "DPkg::Lock::Timeout=120", *argv[1:]]
    try:
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise PromtoolUnavailable(f"{' '.join(argv)} took more than {timeout:.0f}s") from None


def candidate_version() -> str | None:
    """The version of ``prometheus`` apt would take, or None."""
    if shutil.which("apt-cache") is None:
        return None
    res = subprocess.run(
        ["apt-cache", "policy", PACKAGE],
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


def _unpack_debian(timeout: float) -> PromtoolDist:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise PromtoolUnavailable(
            "no promtool on this machine and no apt-get/dpkg to fetch Debian's prometheus "
            "package: install promtool or set KAIROS_PROMTOOL to a promtool binary"
        )
    root_user = os.geteuid() == 0
    version = candidate_version()
    if version is None and root_user:  # a fresh machine: no package lists yet
        _apt(["apt-get", "update", "-qq"], None, timeout)
        version = candidate_version()
    if version is None:
        why = "" if root_user else " (run `apt-get update` as root)"
        raise PromtoolUnavailable(f"apt knows no `{PACKAGE}` package{why}: cannot fetch promtool")
    home = cache_root() / f"{PACKAGE}-{version.replace(':', '_')}"
    home.mkdir(parents=True, exist_ok=True)
    with file_lock(home / ".lock", timeout):
        dist = _read_marker(home)  # another worker may have finished meanwhile
        if dist is None:
            dist = _unpack_into(home, version, root_user, timeout)
    return dist


def _unpack_into(home: Path, version: str, root_user: bool, timeout: float) -> PromtoolDist:
    started = time.monotonic()
    (home / MARKER).unlink(missing_ok=True)
    root, partial = home / "root", home / "root.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=home, prefix="download.") as tmp:
        argv = ["apt-get", "download", "-q", f"{PACKAGE}={version}"]
        res = _apt(argv, Path(tmp), timeout)
        if res.returncode != 0 and root_user:  # stale lists: the version is gone
            _apt(["apt-get", "update", "-qq"], None, timeout)
            res = _apt(argv, Path(tmp), timeout)
        debs = sorted(Path(tmp).glob("*.deb"))
        if res.returncode != 0 or not debs:
            tail = " | ".join((res.stdout + res.stderr).strip().splitlines()[-3:])
            raise PromtoolUnavailable(f"apt-get download {PACKAGE}={version} failed: {tail}")
        x = subprocess.run(
            ["dpkg", "-x", str(debs[0]), str(partial)], capture_output=True, text=True
        )
        if x.returncode != 0:
            raise PromtoolUnavailable(f"dpkg -x {debs[0].name} failed: {x.stderr.strip()[:200]}")
    for wanted in (BINARY, SERVER_BINARY):
        if not (partial / wanted).is_file():
            raise PromtoolUnavailable(f"Debian's {PACKAGE} {version} has no {wanted}")
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    marker = {
        "version": version,
        "binary": BINARY,
        "unpack_seconds": round(time.monotonic() - started, 1),
    }
    tmp_marker = home / (MARKER + ".tmp")
    tmp_marker.write_text(json.dumps(marker, indent=2))
    os.replace(tmp_marker, home / MARKER)  # written last: its presence means the tree is whole
    dist = _read_marker(home)
    if dist is None:
        raise PromtoolUnavailable(f"unpacked {PACKAGE} {version} into {home} but cannot read it")
    check = dist.run("--version")
    if check.returncode != 0:
        raise PromtoolUnavailable(f"the unpacked promtool does not run: {check.stderr[:200]}")
    return dist


# -- the monitoring rules -------------------------------------------------------------------


def rule_files(monitoring: Path = MONITORING) -> list[Path]:
    return sorted((monitoring / "rules").glob("*.yml"))


def test_files(monitoring: Path = MONITORING) -> list[Path]:
    return sorted((monitoring / "tests").glob("*.yml"))


def check(
    dist: PromtoolDist, monitoring: Path = MONITORING
) -> list[subprocess.CompletedProcess[str]]:
    """``promtool check rules`` on every rule file, ``promtool test rules`` on every test."""
    rules = [str(p) for p in rule_files(monitoring)]
    tests = [str(p.relative_to(monitoring)) for p in test_files(monitoring)]
    return [
        dist.run("check", "rules", *rules),
        # from deploy/monitoring: the tests name their rule files relative to it
        dist.run("test", "rules", *tests, cwd=monitoring),
    ]


def required_here() -> bool:
    """Whether promtool must be had here: in CI (``$CI``), and as root with apt-get (what
    .ci/run is: Debian as root), where only a real failure keeps it away."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def main(argv: list[str] | None = None) -> int:
    """``python -m kairos_localstack.promtool_dist [check]``: obtain promtool and print where
    it is; with ``check``, check and test the rules of deploy/monitoring too (skipped with a
    warning where promtool cannot be had and is not :func:`required_here`)."""
    args = sys.argv[1:] if argv is None else argv
    started = time.monotonic()
    try:
        dist = resolve()
    except PromtoolUnavailable as exc:
        if required_here() or args[:1] != ["check"]:
            print(f"promtool: {exc}", file=sys.stderr)
            return 1
        print(f"promtool: {exc}; rules NOT checked here (CI checks them)", file=sys.stderr)
        return 0
    print(
        f"promtool {dist.version}: {dist.binary} ({dist.source}, {time.monotonic() - started:.2f}s)"
    )
    if args[:1] != ["check"]:
        return 0
    failed = 0
    for res in check(dist):
        print(" ".join(res.args[1:]) if isinstance(res.args, list) else res.args)
        sys.stdout.write(res.stdout)
        sys.stderr.write(res.stderr)
        failed |= res.returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
