"""Running the web app's browser tests (``web/tests``, Playwright driving Debian's Chromium,
headless) against a running stack, one suite at a time: ``main``, what
``tests-e2e/tests/test_web.py`` runs against the test session's stack; ``ahead-clock``, the
tests tagged so, which ``test_attendance.py`` runs against its stack whose attendance lives
two days ahead (they need sessions that are over); ``oidc``, the tests tagged ``@oidc``,
which ``test_web_oidc.py`` runs against its stack signing people in at an OIDC issuer.

Playwright never downloads a browser (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1): it runs
``CHROMIUM_PATH`` or /usr/bin/chromium. The report, screenshots and traces of failures go
under ``reports/web/`` (``reports/web/<suite>`` for a suite but the main one)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from kairos_localstack.state import StackState

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "web"
REPORTS = ROOT / "reports" / "web"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
Suite = Literal["main", "ahead-clock", "oidc"]


def reports_of(suite: Suite) -> Path:
    return REPORTS if suite == "main" else REPORTS / suite


def run_playwright(
    stack: StackState,
    *,
    suite: Suite = "main",
    timeout_s: float = 540,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``npx playwright test`` in web/ against ``stack``'s web URL: the tests tagged with
    ``suite``, or every untagged one for ``main`` (web/playwright.config.ts)."""
    npx = shutil.which("npx")
    assert npx, "Node.js (npx) is needed for the browser tests"
    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: install Debian's chromium"
    assert (WEB / "node_modules" / ".bin" / "playwright").is_file(), (
        "web/node_modules is missing: run `npm ci` in web/"
    )
    assert (WEB / "dist" / "index.html").is_file(), "the stack did not build web/dist"
    reports = reports_of(suite)
    reports.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KAIROS_WEB_URL": stack.endpoints.get("web_url") or f"{stack.gateway_url}/",
        "KAIROS_WEB_REPORTS": str(reports),
        "KAIROS_WEB_SUITE": suite,
        # the stack's CalDAV server (Radicale), for connecting a calendar
        "KAIROS_CALDAV_URL": str(stack.endpoints.get("caldav_url") or ""),
        "CHROMIUM_PATH": CHROMIUM,
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        "CI": os.environ.get("CI", "1"),  # test.only is refused
        **(extra_env or {}),
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


def failure(run: subprocess.CompletedProcess[str], suite: Suite = "main") -> str:
    reports = reports_of(suite)
    return (
        f"Playwright failed (report: {reports}/playwright/index.html)\n"
        + run.stdout[-12000:]
        + run.stderr[-4000:]
    )
