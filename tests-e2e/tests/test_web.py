"""The web app (``web/``) in a real browser against this test session's stack: Playwright
(``npx playwright test`` in web/) drives Debian's Chromium, headless, through the gateway
where the stack serves the app's production build. Its report, screenshots at phone and
desktop widths and the traces of failures are written under ``reports/web/``; a failed
browser test fails this one with Playwright's own account of it.

Playwright never downloads a browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1): it runs
``CHROMIUM_PATH`` or /usr/bin/chromium (``.ci/run`` installs Debian's ``chromium``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kairos_localstack.state import StackState

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
REPORTS = ROOT / "reports" / "web"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: the whole browser suite (its own per-test timeout is in playwright.config.ts)
SUITE_TIMEOUT_S = 540


@pytest.mark.timeout(SUITE_TIMEOUT_S + 60)
def test_the_web_app_in_a_browser(local_stack: StackState) -> None:
    npx = shutil.which("npx")
    assert npx, "Node.js (npx) is needed for the browser tests"
    assert Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM}: install Debian's chromium"
    assert (WEB / "node_modules" / ".bin" / "playwright").is_file(), (
        "web/node_modules is missing: run `npm ci` in web/"
    )
    web_url = local_stack.endpoints.get("web_url") or f"{local_stack.gateway_url}/"
    assert (WEB / "dist" / "index.html").is_file(), "the stack did not build web/dist"
    REPORTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KAIROS_WEB_URL": web_url,
        "KAIROS_WEB_REPORTS": str(REPORTS),
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
        timeout=SUITE_TIMEOUT_S,
        check=False,
    )
    (REPORTS / "playwright.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, (
        f"Playwright failed (report: {REPORTS}/playwright/index.html)\n"
        + run.stdout[-12000:]
        + run.stderr[-4000:]
    )


def test_the_first_page_javascript_is_within_budget(local_stack: StackState) -> None:
    """web/scripts/size.mjs over the build the stack serves: JavaScript <= 200 KB gzip for
    the first page (reports/web-size.md)."""
    node = shutil.which("node")
    assert node, "Node.js is needed"
    assert local_stack.gateway_url and (WEB / "dist" / "index.html").is_file()
    run = subprocess.run(
        [node, "scripts/size.mjs"], cwd=WEB, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
