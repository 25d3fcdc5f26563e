"""The Prometheus rules of deploy/monitoring: promtool checks them and runs their unit tests
(promtool from Debian's prometheus package, unpacked into a cache by
kairos_localstack.promtool_dist, never installed); every alert is symptom-shaped (a `for:`,
a severity, a runbook_url) and has its section in docs/runbook.md and its tests; every
metric a rule reads is one the code defines. In CI (and as root with apt-get, as .ci/run
runs) promtool must run: failing to get it fails the test; elsewhere it only skips."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kairos_localstack import promtool_dist

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RUNBOOK = ROOT / "docs" / "runbook.md"
SEVERITIES = {"page", "ticket"}


def _rules() -> list[dict[str, Any]]:
    out = []
    for path in promtool_dist.rule_files(MONITORING):
        for group in yaml.safe_load(path.read_text())["groups"]:
            out += group["rules"]
    return out


def _alerts() -> list[dict[str, Any]]:
    return [r for r in _rules() if "alert" in r]


def test_the_rule_and_test_files_are_there() -> None:
    assert [p.name for p in promtool_dist.rule_files(MONITORING)] == [
        "kairos-alerts.yml",
        "kairos-recording.yml",
    ]
    assert promtool_dist.test_files(MONITORING)
    assert len(_alerts()) >= 8


def test_promtool_checks_the_rules_and_their_unit_tests_pass() -> None:
    try:
        dist = promtool_dist.resolve()
    except promtool_dist.PromtoolUnavailable as exc:
        reason = f"no promtool: {exc}"
        if promtool_dist.required_here():  # CI, or root with apt-get as .ci/run
            pytest.fail(f"{reason} (CI checks the rules with promtool: never skipped there)")
        pytest.skip(reason)
    checked, tested = promtool_dist.check(dist, MONITORING)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def _slug(heading: str) -> str:
    """The anchor a Markdown heading gets (GitHub's rule)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _runbook_sections() -> dict[str, str]:
    """anchor -> the section's text (up to the next heading of the same or a higher level)."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in RUNBOOK.read_text().splitlines():
        match = re.match(r"^(#{1,3}) (.+)$", line)
        if match:
            current = _slug(match.group(2))
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


@pytest.mark.parametrize("alert", _alerts(), ids=lambda a: a["alert"])
def test_an_alert_is_symptom_shaped_and_has_its_runbook_section(alert: dict[str, Any]) -> None:
    name = alert["alert"]
    assert "for" in alert, f"{name}: say how long the symptom must last (`for:`)"
    assert alert["labels"]["severity"] in SEVERITIES, name
    assert alert["annotations"]["summary"] and alert["annotations"]["description"], name
    url = alert["annotations"]["runbook_url"]
    page, _, anchor = url.partition("#")
    assert page == "docs/runbook.md" and anchor, url
    sections = _runbook_sections()
    assert anchor in sections, f"{name}: no section #{anchor} in docs/runbook.md"
    text = sections[anchor]
    assert name in text, f"{name}: its runbook section does not name it"
    for part in ("What it means", "Confirm", "Do", "Fixed when"):
        assert f"**{part}" in text, f"{name}: section #{anchor} lacks **{part}**"


def test_every_alert_has_promtool_tests_that_fire_it_and_keep_it_quiet() -> None:
    fired: set[str] = set()
    quiet: set[str] = set()
    for path in promtool_dist.test_files(MONITORING):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else quiet).add(case["alertname"])
    names = {a["alert"] for a in _alerts()}
    assert names - fired == set(), "alerts no test fires"
    assert names - quiet == set(), "alerts no test keeps quiet"


# --- the metrics the rules read exist in the code -----------------------------------------

_PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "offset", "rate", "irate", "increase", "deriv",
    "delta", "absent", "absent_over_time", "max_over_time", "min_over_time", "topk",
    "avg_over_time", "histogram_quantile", "clamp_min", "clamp_max", "time", "bool", "le",
}  # fmt: skip
_DEFINED = re.compile(r"\b(?:Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][\w:]*)\"", re.S)


def _defined_metrics() -> set[str]:
    """The metric names the code defines (prometheus_client's constructors), with the
    series names Prometheus sees for them."""
    names: set[str] = set()
    sources = [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
    for path in sources:
        names.update(_DEFINED.findall(path.read_text()))
    series = set(names)
    for name in names:
        series |= {f"{name}_count", f"{name}_sum", f"{name}_bucket"}
        if not name.endswith("_total"):
            series.add(f"{name}_total")
    return series


def _metrics_read(expr: str) -> set[str]:
    """The raw metric names an expression reads (recorded series, with a ':', excluded)."""
    text = re.sub(r'"[^"]*"', "", expr)  # strings (label values)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\boffset\s+\w+", "", text)
    words = set(re.findall(r"[a-zA-Z_:][\w:]*", text))
    return {w for w in words if ":" not in w and w not in _PROMQL_WORDS}


def test_every_metric_a_rule_reads_is_defined_in_the_code() -> None:
    defined = _defined_metrics()
    assert "http_request_duration_seconds_count" in defined  # the scan finds the platform's
    read = {m for rule in _rules() for m in _metrics_read(rule["expr"])}
    assert read, "no metric found in the rules"
    assert read - defined == set(), "metrics the rules read that no code defines"
    recorded = {r["record"] for r in _rules() if "record" in r}
    used = {w for rule in _rules() for w in re.findall(r"[a-z_]+:[\w:]+", rule["expr"])}
    assert used <= recorded, "recorded series read but never recorded"


def test_the_metric_scan_sees_through_an_expression() -> None:
    expr = (
        'sum by (service) (rate(http_request_duration_seconds_count{status=~"5.."}[5m]))'
        " / on (service) foo:bar:rate5m unless absent(outbox_backlog offset 15m) > 0.05"
    )
    assert _metrics_read(expr) == {"http_request_duration_seconds_count", "outbox_backlog"}


# --- the Grafana dashboards (deploy/monitoring/dashboards) --------------------------------

DASHBOARDS = MONITORING / "dashboards"
#: one per area of the platform
AREAS = {
    "kairos-payments",  # the paid path: checkouts, Stripe webhooks, reconciliation
    "kairos-booking",
    "kairos-messaging",  # outbox, relay, consumers, dead letters
    "kairos-calendars-mail",
    "kairos-http",  # every service's HTTP API behind the gateway
}
#: what Grafana puts in place of its own variables, for Prometheus to parse the expression
_GRAFANA_DURATIONS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}
_GRAFANA_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")


def _dashboards() -> dict[str, dict[str, Any]]:
    import json

    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those inside collapsed rows too."""
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out += panel.get("panels", [])
    return out


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _panels(dashboard) for t in p.get("targets", []) if "expr" in t]


def _variable_metrics(dashboard: dict[str, Any]) -> set[str]:
    """The metrics the dashboard's query variables read (``label_values(metric, label)``)."""
    names = set()
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        match = re.fullmatch(r"label_values\((\w+),\s*\w+\)", query.strip())
        assert match, f"{var['name']}: a query variable other than label_values(metric, label)"
        names.add(match.group(1))
    return names


def _as_promql(expr: str) -> str:
    """The expression as Grafana sends it: its variables replaced by durations or a value."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return _GRAFANA_DURATIONS.get(name, "x")

    return _GRAFANA_VARIABLE.sub(value, expr)


def test_there_is_a_dashboard_per_area_and_each_is_grafana_shaped() -> None:
    dashboards = _dashboards()
    assert {d["uid"] for d in dashboards.values()} == AREAS
    for name, dash in dashboards.items():
        assert name == f"{dash['uid']}.json" and dash["title"].startswith("Kairos / "), name
        variables = {v["name"]: v for v in dash["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource", name  # picked at import
        panels = _panels(dash)
        ids = [p["id"] for p in panels]
        assert len(ids) == len(set(ids)), f"{name}: panel ids repeat"
        for panel in panels:
            assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), (name, panel["title"])
            if panel["type"] == "row":
                continue
            assert panel["targets"], (name, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${datasource}", (name, panel["title"])
        assert _exprs(dash), name


def test_every_metric_a_dashboard_reads_is_defined_in_the_code() -> None:
    defined = _defined_metrics()
    recorded = {r["record"] for r in _rules() if "record" in r}
    for name, dash in _dashboards().items():
        read = {m for expr in _exprs(dash) for m in _metrics_read(_as_promql(expr))}
        read |= _variable_metrics(dash)
        assert read, f"{name}: no metric found"
        assert read - defined == set(), f"{name}: metrics no code defines"
        used = {w for e in _exprs(dash) for w in re.findall(r"[a-z_]+:[\w:]+", _as_promql(e))}
        assert used <= recorded, f"{name}: recorded series no rule records"


def test_promtool_parses_every_dashboard_expression(tmp_path: Path) -> None:
    """Each expression (Grafana's variables replaced) as a recording rule: `promtool check
    rules` parses it as Prometheus would (promtool 2.42 has no command for a bare query)."""
    try:
        dist = promtool_dist.resolve()
    except promtool_dist.PromtoolUnavailable as exc:
        if promtool_dist.required_here():
            pytest.fail(f"no promtool: {exc}")
        pytest.skip(f"no promtool: {exc}")
    groups = []
    for n, (name, dash) in enumerate(_dashboards().items()):
        rules = [
            {"record": f"dashboard_{n}:expr_{i}", "expr": _as_promql(expr)}
            for i, expr in enumerate(_exprs(dash))
        ]
        groups.append({"name": name, "rules": rules})
    path = tmp_path / "dashboards.yml"
    path.write_text(yaml.safe_dump({"groups": groups}))
    res = dist.run("check", "rules", str(path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"{sum(len(g['rules']) for g in groups)} rules found" in res.stdout


def test_the_dashboard_expressions_are_read_as_grafana_sends_them() -> None:
    expr = 'sum(rate(x_total{service=~"$service",a="${b}"}[$__rate_interval])) offset $__range'
    assert _as_promql(expr) == 'sum(rate(x_total{service=~"x",a="x"}[5m])) offset 1h'
