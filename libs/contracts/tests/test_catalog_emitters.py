"""The catalog tells the truth about who publishes what: the events each service's code
builds are exactly those ``catalog`` says it publishes (no undeclared event leaves a
service, and none it declares is missing), and Ping/Pong are built only by the platform.
And a service builds them in one place: its ``service_layer/outgoing.py`` (or a package
``service_layer/outgoing/``), whose builders the other modules call.

Read from the source (every call of an event class in ``services/<name>/src``), so a new
``uow.emit(SomeEvent(...))`` in the wrong service, or outside its outgoing module, fails
here before any broker sees it."""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from kairos_contracts import catalog
from kairos_contracts.registry import all_events

ROOT = Path(__file__).resolve().parents[3]
SERVICE_DIRS = {name: ROOT / "services" / name / "src" for name in catalog.SERVICES}
WIRING = {"Ping", "Pong"}  # every service pings and answers, through kairos_platform.ping
OUTGOING = "outgoing"  # service_layer/outgoing.py, or a package service_layer/outgoing/


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


def _in_outgoing(place: str) -> bool:
    """Whether ``place`` (file:line) is in a ``service_layer/outgoing`` module or package."""
    parts = Path(place.rpartition(":")[0]).parts
    return any(
        a == "service_layer" and b in (OUTGOING, OUTGOING + ".py") for a, b in pairwise(parts)
    )


def built_outside_outgoing(src: Path, root: Path = ROOT) -> list[str]:
    """Every construction of an event class under ``src`` that is not in its outgoing
    module, as ``file:line (Type)``."""
    return sorted(
        f"{place} ({event_type})"
        for event_type, places in built_events(src, root).items()
        for place in places
        if not _in_outgoing(place)
    )


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_a_service_builds_exactly_the_events_the_catalog_says_it_publishes(
    service: catalog.Service,
) -> None:
    built = built_events(SERVICE_DIRS[service])
    declared = {cls.TYPE for cls in catalog.published_by(service)} - WIRING
    undeclared = {t: places for t, places in built.items() if t not in declared}
    assert not undeclared, f"{service} builds events the catalog does not say it publishes"
    assert set(built) == declared, f"{service} never builds {sorted(declared - set(built))}"


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_a_service_builds_its_events_only_in_its_outgoing_module(service: catalog.Service) -> None:
    src = SERVICE_DIRS[service]
    modules = [*src.glob("*/service_layer/outgoing.py"), *src.glob("*/service_layer/outgoing/")]
    assert len(modules) == 1, f"{service}: one service_layer/outgoing(.py), not {modules}"
    elsewhere = built_outside_outgoing(src)
    assert not elsewhere, (
        f"{service} builds events outside service_layer/outgoing (add a builder there and "
        "call it):\n" + "\n".join(elsewhere)
    )


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


def test_the_scan_names_a_construction_outside_outgoing(tmp_path: Path) -> None:
    """The outgoing check itself: a module or a package named outgoing under service_layer
    may build events, any other module is named with its line."""
    layer = tmp_path / "kairos_x" / "service_layer"
    (layer / "outgoing").mkdir(parents=True)
    (layer / "outgoing.py").write_text("def placed():\n    return HoldPlaced()\n")
    (layer / "outgoing" / "holds.py").write_text("x = HoldExpired()\n")
    (layer / "holds.py").write_text("import os\n\nx = HoldReleased()\n")
    (tmp_path / "kairos_x" / "outgoing.py").write_text("y = HoldPlaced()\n")
    assert built_outside_outgoing(tmp_path, root=tmp_path) == [
        "kairos_x/outgoing.py:1 (HoldPlaced)",
        "kairos_x/service_layer/holds.py:3 (HoldReleased)",
    ]
