#!/usr/bin/env python3
"""Container healthcheck: GET a health endpoint of this process, exit 0 when it answers 200.

    kairos-healthcheck HTTP_PORT /health/ready      # the http process
    kairos-healthcheck METRICS_PORT /health/ready   # consumer and relay

The first argument names the environment variable holding the port, so the check follows
whatever port the process was given. Standard library only (the image has no curl).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

PATHS = ("/health/live", "/health/ready")


def check(port_var: str, path: str, timeout: float = 3.0) -> int:
    if path not in PATHS:
        print(f"unknown health path {path!r}; one of {PATHS}", file=sys.stderr)
        return 2
    port = os.environ.get(port_var)
    if not port:
        print(f"{port_var} is not set", file=sys.stderr)
        return 2
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 0 if resp.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: kairos-healthcheck PORT_VARIABLE /health/live|/health/ready", file=sys.stderr)
        return 2
    return check(argv[0], argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
