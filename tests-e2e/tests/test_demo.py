"""`make demo` (`kairos-stack demo`) against a running stack: it seeds a mentor, offerings
and a mentee with credits, books and pays a session through the public API, ends with the
booking confirmed, and prints a walkthrough whose curl commands work as printed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kairos_localstack.cli import main
from kairos_localstack.state import StackState

pytestmark = pytest.mark.e2e


def test_the_demo_books_a_paid_session_and_prints_working_curl(local_stack: StackState) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "kairos_localstack.cli", "demo", "--data-dir", local_stack.data_dir],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    script = run.stdout
    assert f"GATEWAY={local_stack.gateway_url}\n" in script
    for step in ("/api/booking/providers", "/api/booking/holds", "/api/payments/checkouts"):
        assert f'"$GATEWAY{step}' in script, step
    assert '"payment_method_id": "pm_card_visa"' in script
    assert '"kind": "recurring"' in script  # the programme
    assert "/api/payments/credits/purchases" in script
    last = script.rstrip().splitlines()[-1]
    assert last.startswith("# -> booking ") and " confirmed at " in last, last
    booking_id = last.split()[3]
    assert f"booking {booking_id} is confirmed" in run.stderr

    if shutil.which("curl") is None:
        pytest.skip("no curl on this machine to run the printed commands")
    # The printed commands are real: the header's variables and the bookings query, run by
    # bash as printed, show the confirmed booking.
    lines = script.splitlines()
    header = [ln for ln in lines if ln.startswith(("GATEWAY=", "MENTOR=", "MENTEE="))]
    query = 'curl -sS "$GATEWAY/api/booking/me/bookings?when=upcoming"'
    start = next(i for i, ln in enumerate(lines) if ln.startswith(query))
    command = [lines[start]]
    while command[-1].endswith("\\"):
        command.append(lines[start + len(command)])
    out = subprocess.run(
        ["bash", "-c", "\n".join([*header, *command])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    body = json.loads(out)
    bookings = body["items"] if isinstance(body, dict) else body
    assert any(b["booking_id"] == booking_id and b["status"] == "confirmed" for b in bookings)


def test_the_demo_needs_a_running_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--data-dir", str(tmp_path)]) == 1
    assert "make up" in capsys.readouterr().err
