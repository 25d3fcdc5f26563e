"""Absence streaks per enrollment, in session order, and the warnings and reprobations they
call for. Pure; no I/O.

The input is the enrollment's sessions that were not cancelled, each with its mark
(attended, absent, or not marked yet), ordered by start. Unmarked sessions (in the future,
or past but not swept yet) neither extend nor break a run of absences: the sweep will mark
them, and the verdict is computed again then.

Rules:
* a *run* is a maximal sequence of absences with no attended session between them;
* the absence that opens a run is a warning (to mentee and mentor), once per absence;
* a run of two or more is a reprobation (the latest such run, once per run); when both
  absences are first seen together (one sweep batch, two replicas) both are announced;
* an attended session ends the run: the next absence starts a new one (a new warning);
* a reactivation is a fresh start: sessions that started before ``reset_at`` (the last
  reactivation) count towards the totals only, never towards runs, warnings or reprobation.

Because the verdict is computed from the whole ordered history every time, marks arriving
out of order (two sweep replicas, a mentor's late correction) give the same answer as in
order; the callers keep "once" with a notice per (kind, absence).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Standing(StrEnum):
    ACTIVE = "active"
    WARNED = "warned"
    REPROBATED = "reprobated"


class Mark(NamedTuple):
    """One session of the history (a tuple: the sweep builds hundreds of thousands)."""

    booking_id: uuid.UUID
    starts_at: datetime
    attended: bool | None  # None: not marked yet


@dataclass(frozen=True)
class Verdict:
    #: consecutive absences at the end of the history (since the reset)
    streak: int
    #: every absence ever recorded on the enrollment
    absences: int
    #: each absence since the reset -> its place in its run (1 = opens the run)
    positions: dict[uuid.UUID, int]
    #: absences that open a run: each is worth one warning
    warn: tuple[uuid.UUID, ...]
    #: the latest run of two or more absences (its absences, in order), if any
    reprobate: tuple[uuid.UUID, ...] | None


def _runs(marks: list[Mark]) -> list[list[uuid.UUID]]:
    runs: list[list[uuid.UUID]] = []
    current: list[uuid.UUID] = []
    for m in marks:
        if m.attended is None:
            continue
        if m.attended:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(m.booking_id)
    if current:
        runs.append(current)
    return runs


def judge(marks: list[Mark], *, reset_at: datetime | None = None) -> Verdict:
    ordered = sorted(marks, key=lambda m: (m.starts_at, m.booking_id))
    absences = sum(1 for m in ordered if m.attended is False)
    counted = [m for m in ordered if reset_at is None or m.starts_at >= reset_at]
    runs = _runs(counted)
    positions = {b: i + 1 for run in runs for i, b in enumerate(run)}
    last_marked = next((m for m in reversed(counted) if m.attended is not None), None)
    streak = len(runs[-1]) if runs and last_marked and last_marked.attended is False else 0
    long_runs = [r for r in runs if len(r) >= 2]
    return Verdict(
        streak=streak,
        absences=absences,
        positions=positions,
        warn=tuple(r[0] for r in runs),
        reprobate=tuple(long_runs[-1]) if long_runs else None,
    )


def standing(verdict: Verdict, *, reprobated: bool) -> Standing:
    """A reprobation stays until a reactivation, whatever corrections follow it."""
    if reprobated:
        return Standing.REPROBATED
    return Standing.WARNED if verdict.streak >= 1 else Standing.ACTIVE
