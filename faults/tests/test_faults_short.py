"""A short fault-injection run on its own local stack: 50 s of mixed load with one process
killed and restarted, the broker SIGKILLed and restarted on its log dir, a 3 s broker
pause, duplicated, dropped, late and replayed Stripe webhooks; the platform must get quiet
with zero invariant violations.

The long run is ``uv run python -m kairos_e2e.faults run --minutes 10`` (README).
"""

from __future__ import annotations

import pytest

from kairos_e2e.faults.runner import Script, run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

SHORT = Script(
    [
        (4.0, "webhook", "duplicate"),
        (6.0, "webhook", "drop"),
        (12.0, "kill", "booking-consumer"),
        (20.0, "broker", "4"),
        (30.0, "pause", "3"),
        (38.0, "webhook", "late"),
        (40.0, "webhook", "drop"),
        (44.0, "webhook", "replay"),
    ]
)


def test_short_fault_run_keeps_every_invariant() -> None:
    result = run(50, seed=8, pause_s=3, gap_s=(5, 10), quiet_timeout=90, script=SHORT)
    print(result.report())
    assert len(result.faults) == len(SHORT.steps)
    assert all(f.ok for f in result.faults), [f.line() for f in result.faults]
    assert result.quiet, result.quiet_note
    assert not result.violations, "\n".join(c.line() for c in result.violations)
