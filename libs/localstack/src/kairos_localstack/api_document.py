"""The merged OpenAPI of the four services, as the gateway serves it, and the clients
generated from it (checked in under ``clients/``).

    python -m kairos_localstack.api_document write   # clients/openapi.json, TypeScript, Python
    python -m kairos_localstack.api_document check   # fails if any of them is stale

Each service's document comes from its own app (``bootstrap()`` then ``build_http_app``;
nothing connects), merged the way the docs server merges the live ones
(``docs_server.merge_openapi``: paths under their gateway prefix, clashing schema names
qualified; operation ids ``<service>.<route name>``). The TypeScript client is made by
``@hey-api/openapi-ts`` (clients/typescript, its version pinned in package-lock.json); the
Python one (``kairos_client``, a workspace package under clients/python: httpx, attrs models,
sync and async calls) by ``openapi-python-client``, a dev dependency pinned in uv.lock, with
its settings in clients/python/generator.yaml.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kairos_localstack.docs_server import merge_openapi
from kairos_localstack.services import SERVICES
from kairos_localstack.stack import repo_root

TS_OUTPUT = "src/generated"
PY_PACKAGE = "kairos_client"


def service_document(module: str) -> dict[str, Any]:
    """One service's OpenAPI, from its app as its HTTP process builds it."""
    from kairos_platform.runtime import build_http_app

    bootstrap = importlib.import_module(f"{module}.bootstrap").bootstrap
    spec: dict[str, Any] = build_http_app(bootstrap()).openapi()
    return spec


@contextlib.contextmanager
def _quiet_services() -> Iterator[None]:
    """The services built to read their documents log at WARNING unless told otherwise;
    the environment is left as it was (a test process goes on with it)."""
    before = os.environ.get("LOG_LEVEL")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("LOG_LEVEL", None)


def merged_document() -> dict[str, Any]:
    with _quiet_services():
        docs = [(s.name, s.prefix, service_document(s.module)) for s in SERVICES]
    merged = merge_openapi(docs)
    _gateway_answers(merged)
    merged["info"] = {
        "title": "Kairos",
        "version": "1",
        "description": "The public API of the four Kairos services, through the gateway.",
    }
    return merged


def _gateway_answers(spec: dict[str, Any]) -> None:
    """What the gateway itself may answer for any route: 429 past its rate limit, and 503
    while the service behind it is down (the platform's problem+json, as the services')."""
    problem = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    }
    said = {
        "429": "Too many requests from this address (the gateway's rate limit).",
        "503": "The service is unavailable; retry after `Retry-After`.",
    }
    for item in spec["paths"].values():
        for operation in item.values():
            for status, description in said.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": problem}
                )


def _write_json(path: Path, spec: dict[str, Any]) -> None:
    path.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n")


def generate_typescript(clients: Path, document: Path, out: Path) -> None:
    """Run the pinned generator (npm ci first when its node_modules is missing)."""
    ts = clients / "typescript"
    if not (ts / "node_modules" / "@hey-api").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ts, check=True)
    cmd = ["npx", "--no-install", "openapi-ts", "-i", str(document), "-o", str(out)]
    subprocess.run(cmd, cwd=ts, check=True, capture_output=True)


def generate_python(clients: Path, document: Path, out: Path) -> None:
    """Run the locked generator into ``out`` (the package directory, replaced). Its hooks call
    ruff by name: the workspace's, found next to this interpreter."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [
        str(bin_dir / "openapi-python-client"),
        "generate",
        "--path",
        str(document),
        "--meta",
        "none",
        "--config",
        str(clients / "python" / "generator.yaml"),
        "--output-path",
        str(out),
        "--overwrite",
        "--fail-on-warning",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"openapi-python-client failed:\n{done.stdout}{done.stderr}")


def write(root: Path) -> None:
    clients = root / "clients"
    document = clients / "openapi.json"
    _write_json(document, merged_document())
    out = clients / "typescript" / TS_OUTPUT
    shutil.rmtree(out, ignore_errors=True)
    generate_typescript(clients, document, out)
    py_out = clients / "python" / PY_PACKAGE
    generate_python(clients, document, py_out)
    print(f"wrote {document}, {out} and {py_out}")


def check(root: Path) -> int:
    clients = root / "clients"
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "openapi.json"
        _write_json(fresh, merged_document())
        if fresh.read_text() != (clients / "openapi.json").read_text():
            print("clients/openapi.json is stale: run `make clients`", file=sys.stderr)
            return 1
        out = Path(tmp) / "ts"
        generate_typescript(clients, fresh, out)
        diff = filecmp.dircmp(out, clients / "typescript" / TS_OUTPUT)
        if _differs(diff):
            print("clients/typescript is stale: run `make clients`", file=sys.stderr)
            return 1
        py_out = Path(tmp) / PY_PACKAGE
        generate_python(clients, fresh, py_out)
        if _differs(filecmp.dircmp(py_out, clients / "python" / PY_PACKAGE, ignore=_PY_IGNORE)):
            print("clients/python is stale: run `make clients`", file=sys.stderr)
            return 1
    print("clients up to date")
    return 0


# What running the package leaves beside it, never generated.
_PY_IGNORE = [*filecmp.DEFAULT_IGNORES, ".mypy_cache", ".ruff_cache", ".pytest_cache"]


def _differs(diff: filecmp.dircmp[str]) -> bool:
    if diff.left_only or diff.right_only or diff.diff_files or diff.funny_files:
        return True
    return any(_differs(sub) for sub in diff.subdirs.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    root = repo_root()
    if args.command == "write":
        write(root)
        return 0
    return check(root)


if __name__ == "__main__":
    sys.exit(main())
