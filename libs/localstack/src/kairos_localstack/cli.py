"""`kairos-stack up|down|status|demo`: the local platform from one command.

`demo` (with the stack up) seeds a mentor, offerings and a mentee and walks a paid booking
through the public API, then prints the same walkthrough as curl commands
(kairos_localstack.demo)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kairos_localstack.proc import StartupError
from kairos_localstack.services import by_name
from kairos_localstack.stack import (
    DEFAULT_GATEWAY_PORT,
    AlreadyUp,
    Stack,
    default_data_dir,
    gateway_port_from_env,
)


def _print_status(stack: Stack) -> int:
    state = stack.status()
    if state is None:
        print(f"not running (no state in {stack.data_dir})")
        return 1
    print(f"gateway: {state.gateway_url}")
    if state.endpoints.get("web_url"):
        print(f"web app: {state.endpoints['web_url']}")
    if state.endpoints.get("prometheus_url"):
        print(f"prometheus: {state.endpoints['prometheus_url']}")
    print(f"{'process':<24}{'pid':>8}  {'alive':<6}{'port':>7}  log")
    for rec in state.processes:
        alive = "yes" if rec.alive else "NO"
        print(f"{rec.name:<24}{rec.pid:>8}  {alive:<6}{rec.port or '-':>7}  {rec.log}")
    return 0 if all(r.alive for r in state.processes) else 1


def _demo(stack: Stack) -> int:
    import httpx

    from kairos_localstack.demo import DemoError, run_demo

    state = stack.status()
    if state is None or not state.any_alive() or not state.gateway_url:
        print(
            f"the stack is not up (no running stack in {stack.data_dir}): make up", file=sys.stderr
        )
        return 1
    try:
        result = run_demo(state)
    except (DemoError, httpx.HTTPError, OSError) as exc:
        print(f"kairos-stack demo failed: {exc}", file=sys.stderr)
        return 1
    status = result.booking.get("status")
    print(f"\n# done: booking {result.booking.get('booking_id')} is {status}", file=sys.stderr)
    return 0 if status == "confirmed" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kairos-stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "demo"])
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="default: $KAIROS_DATA_DIR or <repo>/.kairos"
    )
    parser.add_argument(
        "--services",
        default=None,
        help="comma-separated subset to start (default: all four; '' for infrastructure only)",
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="readiness deadline (s)")
    parser.add_argument(
        "--kafka-nodes",
        type=int,
        choices=(1, 3),
        default=None,
        help="Apache Kafka nodes to run (default: $KAIROS_KAFKA_NODES or 1)",
    )
    parser.add_argument(
        "--prometheus",
        action="store_true",
        default=None,
        help="up: start Prometheus too, scraping every service process "
        "(default: $KAIROS_PROMETHEUS, else off)",
    )
    args = parser.parse_args(argv)

    names = None if args.services is None else [n for n in args.services.split(",") if n]
    try:
        pinned = gateway_port_from_env(os.environ) if args.command == "up" else None
    except StartupError as exc:
        print(f"kairos-stack: {exc}", file=sys.stderr)
        return 2
    stack = Stack(
        args.data_dir or default_data_dir(),
        by_name(names),
        ready_timeout=args.timeout,
        kafka_nodes=args.kafka_nodes,
        # KAIROS_GATEWAY_PORT, else 8080 when free (the same URL every time), else any
        gateway_port=pinned,
        preferred_gateway_port=DEFAULT_GATEWAY_PORT,
        prometheus=args.prometheus,  # None: KAIROS_PROMETHEUS decides
    )

    if args.command == "status":
        return _print_status(stack)
    if args.command == "demo":
        return _demo(stack)
    if args.command == "down":
        was_up = stack.is_up()
        stack.down()
        print("stopped" if was_up else "nothing was running")
        return 0
    try:
        state = stack.up()
    except AlreadyUp as exc:
        print(f"already up: {exc.state.gateway_url}  (kairos-stack status for details)")
        if exc.state.endpoints.get("web_url"):
            print(f"web app: {exc.state.endpoints['web_url']}")
        if exc.state.endpoints.get("prometheus_url"):
            print(f"prometheus: {exc.state.endpoints['prometheus_url']}")
        elif stack.prometheus:
            print("running without Prometheus: make down, then make up PROMETHEUS=1")
        return 0
    except StartupError as exc:
        print(f"kairos-stack up failed: {exc}", file=sys.stderr)
        print(f"logs: {stack.logs}", file=sys.stderr)
        return 1
    print(state.gateway_url or "(no gateway)")
    if state.endpoints.get("web_url"):
        print(f"web app: {state.endpoints['web_url']}  (sign in at /signin)")
    if state.endpoints.get("prometheus_url"):
        took = state.endpoints.get("prometheus_start_seconds")
        print(f"prometheus: {state.endpoints['prometheus_url']}  (started in {took}s)")
    print(f"logs: {stack.logs}")
    print(f"state: {state.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
