"""Prometheus on demand: `Stack(prometheus=True)` (kairos-stack up --prometheus) starts Debian's
prometheus (unpacked by promtool_dist, never installed) scraping every service process and
loading deploy/monitoring's rules; `down` stops it. Off unless asked for."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kairos_localstack import promtool_dist
from kairos_localstack.cli import main as cli_main
from kairos_localstack.proc import pid_alive
from kairos_localstack.prometheus import ScrapeTarget, config, write_targets
from kairos_localstack.services import by_name
from kairos_localstack.stack import Stack
from kairos_localstack.state import ProcessRecord, StackState


def test_off_unless_asked_for(tmp_path: Path) -> None:
    assert Stack(tmp_path, env={}).prometheus is False
    assert Stack(tmp_path, env={"KAIROS_PROMETHEUS": "0"}).prometheus is False
    assert Stack(tmp_path, env={"KAIROS_PROMETHEUS": "1"}).prometheus is True
    assert Stack(tmp_path, env={"KAIROS_PROMETHEUS": "1"}, prometheus=False).prometheus is False
    assert Stack(tmp_path, env={}, prometheus=True).prometheus is True


def test_scrape_targets_are_the_service_processes_and_their_replicas(tmp_path: Path) -> None:
    stack = Stack(tmp_path, services=by_name(["booking", "calendar-sync"]), env={})
    for name, port in [
        ("postgres", 5432),
        ("kafka", 9092),
        ("booking-http", 1001),
        ("booking-consumer", 1002),
        ("booking-consumer-2", 1003),
        ("calendar-sync-relay", 1004),
        ("traefik", 8080),
        ("docs", 1005),
    ]:
        stack.state.processes.append(ProcessRecord(name, 1, port, None))
    assert stack.scrape_targets() == [
        ScrapeTarget("booking-http", "http", 1001),
        ScrapeTarget("booking-consumer", "consumer", 1002),
        ScrapeTarget("booking-consumer-2", "consumer", 1003),
        ScrapeTarget("calendar-sync-relay", "relay", 1004),
    ]
    write_targets(tmp_path / "t.json", stack.scrape_targets()[:1])
    assert json.loads((tmp_path / "t.json").read_text()) == [
        {"targets": ["127.0.0.1:1001"], "labels": {"process": "booking-http", "role": "http"}}
    ]
    conf = config(9999, tmp_path / "t.json", promtool_dist.rule_files())
    rule_files = conf["rule_files"]
    assert isinstance(rule_files, list) and len(rule_files) == 2, rule_files


def test_up_on_a_running_stack_without_it_says_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    me = os.getpid()  # a "running" stack: this test's own process, never signalled here
    StackState(str(tmp_path), "http://127.0.0.1:1", [ProcessRecord("web", me, 1, None)]).save()
    assert cli_main(["up", "--prometheus", "--data-dir", str(tmp_path)]) == 0
    assert "running without Prometheus: make down, then make up PROMETHEUS=1" in (
        capsys.readouterr().out
    )


def _get(client: httpx.Client, url: str, **params: str) -> Any:
    resp = client.get(url, params=params)
    resp.raise_for_status()
    body = resp.json()
    assert body["status"] == "success", body
    return body["data"]


def _wait_all_up(client: httpx.Client, url: str, processes: set[str], timeout: float) -> None:
    """Until Prometheus scrapes exactly these processes (and itself) and every `up` is 1."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while time.monotonic() < deadline:
        targets = _get(client, f"{url}/api/v1/targets", state="active")["activeTargets"]
        ups = _get(client, f"{url}/api/v1/query", query="up")["result"]
        seen = {t["labels"].get("process", t["labels"]["job"]): t["health"] for t in targets}
        values = [r["value"][1] for r in ups]
        if (
            set(seen) == processes | {"prometheus"}
            and set(seen.values()) == {"up"}
            and len(values) == len(seen)
            and set(values) == {"1"}
        ):
            return
        time.sleep(0.25)
    raise AssertionError(f"targets not all up after {timeout:.0f}s: {seen}")


@pytest.mark.integration
def test_stack_with_prometheus_scrapes_every_process_and_down_stops_it(
    no_externals: None, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        promtool_dist.resolve_server()
    except promtool_dist.PromtoolUnavailable as exc:
        if promtool_dist.required_here():
            pytest.fail(f"no prometheus: {exc}")
        pytest.skip(f"no prometheus: {exc}")
    data = Path(tempfile.mkdtemp(prefix="kairos-promtest-"))
    stack = Stack(data, services=by_name(["attendance"]), ready_timeout=120, prometheus=True)
    state = stack.up()
    prom = stack.record("prometheus")
    try:
        url = state.endpoints["prometheus_url"]
        assert url == f"http://127.0.0.1:{prom.port}"
        with capsys.disabled():
            print(f"\nprometheus started in {state.endpoints['prometheus_start_seconds']}s")
        assert cli_main(["status", "--data-dir", str(data)]) == 0
        assert f"prometheus: {url}" in capsys.readouterr().out

        processes = {"attendance-http", "attendance-consumer", "attendance-relay"}
        with httpx.Client(timeout=5) as client:
            _wait_all_up(client, url, processes, timeout=60)

            # the rules of deploy/monitoring are loaded, every one of them
            groups = _get(client, f"{url}/api/v1/rules")["groups"]
            loaded = {r["name"] for g in groups for r in g["rules"]}
            wanted = {
                r.get("alert") or r["record"]
                for path in promtool_dist.rule_files()
                for g in yaml.safe_load(path.read_text())["groups"]
                for r in g["rules"]
            }
            assert wanted and loaded == wanted
            assert all(g["file"].startswith(str(promtool_dist.MONITORING)) for g in groups)

            # the processes' own `service` label comes through (no target label clashes)
            series = _get(client, f"{url}/api/v1/series", **{"match[]": "outbox_backlog"})
            assert {s["service"] for s in series} == {"attendance"}, series

            # every dashboard's query runs here (Grafana's variables filled in)
            for dash in sorted((promtool_dist.MONITORING / "dashboards").glob("*.json")):
                for panel in json.loads(dash.read_text())["panels"]:
                    for target in panel.get("targets", []):
                        query = target["expr"].replace("$__rate_interval", "1m")
                        query = query.replace("$service", ".*")
                        _get(client, f"{url}/api/v1/query", query=query)

            # a replica added later is scraped too (the target file is rewritten)
            stack.add_replica("attendance", "consumer")
            stack.wait_process_ready("attendance-consumer-2")
            _wait_all_up(client, url, processes | {"attendance-consumer-2"}, timeout=60)
    finally:
        assert cli_main(["down", "--data-dir", str(data)]) == 0
    assert not pid_alive(prom.pid)
    home = str(data / "prometheus")
    left = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(home.encode() in a for a in argv):
            left.append(cmdline.parent.name)
    assert left == [], f"processes still running from {home}: {left}"
    shutil.rmtree(data, ignore_errors=True)
