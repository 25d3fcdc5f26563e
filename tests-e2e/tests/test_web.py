"""The web app (``web/``) in a real browser against this test session's stack: Playwright
(``npx playwright test`` in web/) drives Debian's Chromium, headless, through the gateway
where the stack serves the app's production build. Its report, screenshots at phone and
desktop widths and the traces of failures are written under ``reports/web/``; a failed
browser test fails this one with Playwright's own account of it.

Playwright never downloads a browser here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1): it runs
``CHROMIUM_PATH`` or /usr/bin/chromium (``.ci/run`` installs Debian's ``chromium``). The
tests tagged ``@ahead-clock`` run in ``test_attendance.py`` instead (``kairos_e2e.web``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from kairos_e2e.web import WEB, failure, run_playwright
from kairos_localstack.state import StackState

pytestmark = pytest.mark.e2e

#: the whole browser suite (its own per-test timeout is in playwright.config.ts)
SUITE_TIMEOUT_S = 540


@pytest.mark.timeout(SUITE_TIMEOUT_S + 60)
def test_the_web_app_in_a_browser(local_stack: StackState) -> None:
    """Every browser test but those needing attendance's clock ahead (test_attendance.py)."""
    run = run_playwright(local_stack, timeout_s=SUITE_TIMEOUT_S)
    assert run.returncode == 0, failure(run)


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
