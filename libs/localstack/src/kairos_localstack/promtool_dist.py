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

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kairos_localstack import debian_package
from kairos_localstack.debian_package import DebianPackage, read_marker
from kairos_localstack.proc import StartupError

PACKAGE = "prometheus"
BINARY = "usr/bin/promtool"
#: the Prometheus server of the same package (kairos-stack up --prometheus)
SERVER_BINARY = "usr/bin/prometheus"
MARKER = debian_package.MARKER
APT_TIMEOUT = debian_package.APT_TIMEOUT
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
        return PrometheusDist(Path(override), _version(override, "prometheus"), None)
    dist = DEBIAN.cached_or_unpacked(timeout)
    home = Path(dist.source)
    binary = home / "root" / SERVER_BINARY
    if not binary.is_file():
        raise PromtoolUnavailable(f"{home} holds no {SERVER_BINARY}: remove it to unpack again")
    return PrometheusDist(binary, dist.version, home / "root")


def resolve(timeout: float = APT_TIMEOUT) -> PromtoolDist:
    """A promtool to run (see the module's docstring), unpacking Debian's if needed."""
    return DEBIAN.resolve("KAIROS_PROMTOOL", "promtool", _installed, timeout)


def _installed(binary: Path, source: str) -> PromtoolDist:
    return PromtoolDist(binary, _version(str(binary), "promtool"), source)


def _version(binary: str, name: str) -> str:
    """What ``<binary> --version`` says of ``<name>, version X`` (promtool or prometheus)."""
    res = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    match = re.search(rf"{name}, version (\S+)", res.stdout + res.stderr)
    if res.returncode != 0 or match is None:
        raise PromtoolUnavailable(f"{binary} --version failed: {res.stderr.strip()[:200]}")
    return match.group(1)


def _read_marker(home: Path) -> PromtoolDist | None:
    marker = read_marker(home)
    if marker is None:
        return None
    try:
        binary = home / "root" / marker["binary"]
        version = str(marker["version"])
    except (KeyError, TypeError):
        return None
    return PromtoolDist(binary, version, str(home)) if binary.is_file() else None


def candidate_version() -> str | None:
    """The version of ``prometheus`` apt would take, or None."""
    return debian_package.candidate_version(PACKAGE)


def _fill(version: str, partial: Path, tmp: Path, timeout: float) -> dict[str, Any]:
    """The prometheus package unpacked into partial; the marker's fields."""
    (deb, *_) = DEBIAN.download([f"{PACKAGE}={version}"], tmp, timeout)
    DEBIAN.extract(deb, partial)
    for wanted in (BINARY, SERVER_BINARY):
        if not (partial / wanted).is_file():
            raise PromtoolUnavailable(f"Debian's {PACKAGE} {version} has no {wanted}")
    return {"binary": BINARY}


def _verify(dist: PromtoolDist) -> None:
    check = dist.run("--version")
    if check.returncode != 0:
        raise PromtoolUnavailable(f"the unpacked promtool does not run: {check.stderr[:200]}")


DEBIAN = DebianPackage(
    PACKAGE,
    "promtool",
    PromtoolUnavailable,
    "no promtool on this machine and no apt-get/dpkg to fetch Debian's prometheus "
    "package: install promtool or set KAIROS_PROMTOOL to a promtool binary",
    _read_marker,
    _fill,
    _verify,
)


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
