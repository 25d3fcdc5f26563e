"""Drift between what a calendar should hold and what it holds, classified without I/O.

Policy (README): a live booking whose event vanished from the calendar was deleted outside
Kairos; we report it and re-create it (the session still takes place; cancelling happens in
Kairos). A cancelled booking whose event vanished is fine: nothing to show. Several copies
of one UID are duplicates: we keep the copy at our own href and delete the others. A copy
older than what we last wrote (lower SEQUENCE, or live while the booking is cancelled) is
stale and re-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DriftKind(StrEnum):
    DELETED_OUTSIDE = "deleted_outside"  # we had written it, someone removed it
    DUPLICATE = "duplicate"  # a second copy of our UID
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
    extra = [c.href for c in copies if c.href != e.href]
    ours = [c for c in copies if c.href == e.href]
    if extra and ours:
        out.append(Drift(e.uid, DriftKind.DUPLICATE, extra))
    elif len(extra) > 1:
        out.append(Drift(e.uid, DriftKind.DUPLICATE, extra[1:]))
        ours = [c for c in copies if c.href == extra[0]]
    elif extra:
        ours = [c for c in copies if c.href == extra[0]]
    if not ours:
        if not e.cancelled:
            out.append(Drift(e.uid, DriftKind.DELETED_OUTSIDE))
        return out
    kept = ours[0]
    if kept.sequence < e.sequence or kept.cancelled != e.cancelled:
        out.append(Drift(e.uid, DriftKind.STALE, [kept.href]))
    return out
