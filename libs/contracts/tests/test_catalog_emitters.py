"""The catalog tells the truth about who publishes what: the events each service's code
builds are exactly those ``catalog`` says it publishes (no undeclared event leaves a
service, and none it declares is missing), and Ping/Pong are built only by the platform.

Read from the source (every call of an event class in ``services/<name>/src``), so a new
``uow.emit(SomeEvent(...))`` in the wrong service fails here before any broker sees it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from kairos_contracts import catalog
from kairos_contracts.registry import all_events

ROOT = Path(__file__).resolve().parents[3]
SERVICE_DIRS = {name: ROOT / "services" / name / "src" for name in catalog.SERVICES}
WIRING = {"Ping", "Pong"}  # every service pings and answers, through kairos_platform.ping


def _event_class_names() -> dict[str, str]:
    """class name -> event TYPE, for every registered event."""
    return {cls.__name__: cls.TYPE for cls in all_events()}


def built_events(src: Path, root: Path = ROOT) -> dict[str, list[str]]:
    """event TYPE -> the places (file:line, relative to ``root``) under ``src`` that
    construct it."""
    names = _event_class_names()
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in names:
                found[names[name]].append(f"{path.relative_to(root)}:{node.lineno}")
    return found


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_a_service_builds_exactly_the_events_the_catalog_says_it_publishes(service: str) -> None:
    built = built_events(SERVICE_DIRS[service])
    declared = {cls.TYPE for cls in catalog.published_by(service)} - WIRING
    undeclared = {t: places for t, places in built.items() if t not in declared}
    assert not undeclared, f"{service} builds events the catalog does not say it publishes"
    assert set(built) == declared, f"{service} never builds {sorted(declared - set(built))}"


def test_only_the_platform_builds_the_wiring_events() -> None:
    for service, src in SERVICE_DIRS.items():
        assert not WIRING & set(built_events(src)), service
    platform = built_events(ROOT / "libs" / "platform" / "src")
    assert set(platform) == WIRING


def test_the_scan_sees_a_construction(tmp_path: Path) -> None:
    """The reader itself: a call of an event class, bare or through a module, is found."""
    (tmp_path / "m.py").write_text(
        "from kairos_contracts.events import payments as p\n"
        "x = p.PaymentVerified(payment_id=1)\n"
        "y = HoldPlaced()\n"
        "z = dict(HoldPlaced=1)\n"
    )
    assert built_events(tmp_path, root=tmp_path) == {
        "PaymentVerified": ["m.py:2"],
        "HoldPlaced": ["m.py:3"],
    }
