"""Running the web app's browser tests (``web/tests``, Playwright driving Debian's Chromium,
headless) against a running stack: what ``tests-e2e/tests/test_web.py`` does with the test
session's stack, and ``test_attendance.py`` with its stack whose attendance lives two days
ahead (the tests tagged ``@ahead-clock``, which need sessions that are over).

Playwright never downloads a browser (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1): it runs
``CHROMIUM_PATH`` or /usr/bin/chromium. The report, screenshots and traces of failures go
under ``reports/web/`` (``reports/web/<name>`` for a named run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from kairos_localstack.state import StackState

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "web"
REPORTS = ROOT / "reports" / "web"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: tests that need a stack whose attendance clock runs ahead
AHEAD_TAG = "@ahead-clock"


def run_playwright(
    stack: StackState, *, ahead_clock: bool = False, timeout_s: float = 540
) -> subprocess.CompletedProcess[str]:
    """``npx playwright test`` in web/ against ``stack``'s web URL: the tests tagged
    ``@ahead-clock`` when ``ahead_clock``, every other one otherwise."""
    npx = shutil.which("npx")
    assert npx, "Node.js (npx) is needed for the browser tests"
    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: install Debian's chromium"
    assert (WEB / "node_modules" / ".bin" / "playwright").is_file(), (
        "web/node_modules is missing: run `npm ci` in web/"
    )
    assert (WEB / "dist" / "index.html").is_file(), "the stack did not build web/dist"
    reports = REPORTS / "ahead-clock" if ahead_clock else REPORTS
    reports.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KAIROS_WEB_URL": stack.endpoints.get("web_url") or f"{stack.gateway_url}/",
        "KAIROS_WEB_REPORTS": str(reports),
        "KAIROS_WEB_AHEAD_CLOCK": "1" if ahead_clock else "0",
        # the stack's CalDAV server (Radicale), for connecting a calendar
        "KAIROS_CALDAV_URL": str(stack.endpoints.get("caldav_url") or ""),
        "CHROMIUM_PATH": CHROMIUM,
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "CI": os.environ.get("CI", "1"),  # test.only is refused
    }
    run = subprocess.run(
        [npx, "--no-install", "playwright", "test"],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    (reports / "playwright.log").write_text(run.stdout + run.stderr)
    return run


def failure(run: subprocess.CompletedProcess[str], ahead_clock: bool = False) -> str:
    reports = REPORTS / "ahead-clock" if ahead_clock else REPORTS
    return (
        f"Playwright failed (report: {reports}/playwright/index.html)\n"
        + run.stdout[-12000:]
        + run.stderr[-4000:]
    )
