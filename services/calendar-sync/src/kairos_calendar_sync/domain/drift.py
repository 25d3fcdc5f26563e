"""Drift between what a calendar should hold and what it holds, classified without I/O.

Policy (README): a live booking whose event vanished from the calendar was deleted outside
Kairos; we report it and re-create it (the session still takes place; cancelling happens in
Kairos). A cancelled booking whose event vanished is fine: nothing to show. Any copy of
our UID at another href is a duplicate and is deleted; our own href is re-written if it
was the one missing. A copy
older than what we last wrote (lower SEQUENCE, or live while the booking is cancelled) is
stale and re-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DriftKind(StrEnum):
    DELETED_OUTSIDE = "deleted_outside"  # we had written it, someone removed it
    DUPLICATE = "duplicate"  # a copy of our UID anywhere but at our own href
    MOVED = "moved"  # only a foreign copy is left: it goes, ours is written again
    STALE = "stale"  # older SEQUENCE or wrong status


@dataclass(frozen=True)
class Expected:
    """One calendar entry as our database knows it."""

    uid: str
    href: str
    sequence: int
    cancelled: bool
    #: we had written this sequence to the calendar (not waiting for the worker)
    synced: bool


@dataclass(frozen=True)
class Found:
    """One event as the calendar holds it."""

    uid: str
    href: str
    sequence: int
    cancelled: bool


@dataclass
class Drift:
    uid: str
    kind: DriftKind
    hrefs: list[str] = field(default_factory=list)


def classify(expected: list[Expected], found: list[Found]) -> list[Drift]:
    by_uid: dict[str, list[Found]] = {}
    for f in found:
        by_uid.setdefault(f.uid, []).append(f)
    drifts: list[Drift] = []
    for e in expected:
        drifts.extend(_classify_one(e, by_uid.get(e.uid, [])))
    return drifts


def _classify_one(e: Expected, copies: list[Found]) -> list[Drift]:
    if not e.synced:
        return []  # the worker owes this write; comparing now would report its backlog
    out: list[Drift] = []
    foreign = [c.href for c in copies if c.href != e.href]
    ours = [c for c in copies if c.href == e.href]
    if foreign:
        out.append(Drift(e.uid, DriftKind.DUPLICATE, foreign))
    if not ours:
        if not e.cancelled:
            out.append(Drift(e.uid, DriftKind.MOVED if foreign else DriftKind.DELETED_OUTSIDE))
        return out
    if ours[0].sequence < e.sequence or ours[0].cancelled != e.cancelled:
        out.append(Drift(e.uid, DriftKind.STALE, [e.href]))
    return out
