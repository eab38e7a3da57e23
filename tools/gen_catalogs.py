#!/usr/bin/env python3
"""Generate blastwall's provider catalogs from the providers' own machine-readable specs.

    pip install -e '.[specs]'            # the spec packages, at the versions pinned there
    python tools/gen_catalogs.py         # rewrite src/blastwall/analyze/catalogs/data/
    python tools/gen_catalogs.py --check # exit 1 when the committed data differs from the specs

Sources (each pinned in pyproject.toml's `specs` extra, or below for npm):
- AWS: botocore's service models (`botocore/data/<service>/<version>/service-2.json`): every
  operation of every service, its CLI name (botocore's own `xform_name`) and HTTP binding.
- Kubernetes: the `kubernetes` Python client, generated from the API server's OpenAPI spec; each
  API method's name, HTTP method and path are read from its source (it is not imported).
- GitHub REST: the OpenAPI description in the npm package `@octokit/openapi`; the tarball is
  fetched with `npm pack` into ~/.cache/blastwall/specs when it is not there yet (`--fetch`).
- Google APIs: the discovery documents `google-api-python-client` ships.

Only facts are written (which operations exist and how they are called). What an operation
does is decided at check time from its name by `analyze/catalogs/verbs.toml`. See docs/catalogs.md.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import importlib.metadata as md
import json
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "src", "blastwall", "analyze", "catalogs", "data")
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "blastwall", "specs")

OCTOKIT = ("@octokit/openapi", "23.0.2")  # npm package and version that ship GitHub's description

# The aws CLI renames three services (awscli customizations); `aws s3` is its own high-level
# command set (cp, mv, rm, rb, sync), judged by hand rules in rules/shell_cloud.toml.
AWS_CLI_RENAMES = {"s3": "s3api", "config": "configservice", "codedeploy": "deploy"}
# Input members that carry SQL or PartiQL text (rds-data, redshift-data, dynamodb, athena...).
AWS_SQL_MEMBERS = frozenset({"sql", "sqls", "statement", "statements", "querystring"})

Files = dict[str, str]  # path relative to DATA -> text


class SpecMissing(Exception):
    """A spec package is not installed (or not at the pinned version)."""


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError as exc:
        raise SpecMissing(f"{dist} is not installed: pip install -e '.[specs]'") from exc


def _dump(meta: dict[str, Any], key: str, rows: list[Any]) -> str:
    """JSON with one row per line, so a regenerated file diffs by operation."""
    head = json.dumps(meta, sort_keys=True, separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in rows)
    return f'{head},"{key}":[\n{body}\n]}}\n'


# ---- AWS ------------------------------------------------------------------------------------
def _aws_models() -> Iterator[tuple[str, dict[str, Any]]]:
    root = str(md.distribution("botocore").locate_file("botocore/data"))
    for svc in sorted(os.listdir(root)):
        folder = os.path.join(root, svc)
        if not os.path.isdir(folder):
            continue
        versions = sorted(v for v in os.listdir(folder) if os.path.isdir(os.path.join(folder, v)))
        for version in reversed(versions):  # botocore loads the newest API version
            path = os.path.join(folder, version, "service-2.json")
            if os.path.exists(path + ".gz"):
                with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
                    yield svc, json.load(f)
                break
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    yield svc, json.load(f)
                break


def gen_aws() -> Files:
    version = _version("botocore")
    from botocore import xform_name  # the CLI's own operation-name transform

    files: Files = {}
    index: dict[str, Any] = {"cli": {}, "prefix": {}, "target": {}}
    for svc, model in _aws_models():
        meta = model["metadata"]
        protocol = (meta.get("protocols") or [meta["protocol"]])[0]
        rest = protocol.startswith("rest-")
        shapes = model.get("shapes", {})
        rows = []
        for name, op in sorted(model["operations"].items()):
            http = op.get("http", {})
            members = shapes.get(op.get("input", {}).get("shape", ""), {}).get("members", {})
            sql = sorted(m for m in members if m.lower() in AWS_SQL_MEMBERS)
            row = [name, xform_name(name, "-"), http.get("method", "POST") if rest else "",
                   http.get("requestUri", "/") if rest else "", sql[0] if sql else ""]
            rows.append(row)
        cli = AWS_CLI_RENAMES.get(svc, svc)
        info = {"service": svc, "cli": cli, "protocol": protocol, "prefix": meta.get("endpointPrefix", svc),
                "target": meta.get("targetPrefix", ""), "api_version": meta.get("apiVersion", ""),
                "label": meta.get("serviceId") or svc}
        files[f"aws/{svc}.json"] = _dump(info, "ops", rows)
        index["cli"][cli] = svc
        index["prefix"].setdefault(info["prefix"], []).append(svc)
        if info["target"]:
            index["target"][info["target"]] = svc
    index["source"] = {"package": "botocore", "version": version}
    files["aws/_index.json"] = json.dumps(index, sort_keys=True, indent=0) + "\n"
    return files


# ---- Kubernetes -----------------------------------------------------------------------------
_K8S_METHOD = re.compile(r"def _(\w+)_serialize\(.*?method='(\w+)',\s*resource_path='([^']+)'", re.S)


def gen_kubernetes() -> Files:
    version = _version("kubernetes")
    api_dir = str(md.distribution("kubernetes").locate_file("kubernetes/client/api"))
    rows = []
    for path in sorted(glob.glob(os.path.join(api_dir, "*_api.py"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        rows.extend([method, resource_path, name] for name, method, resource_path in _K8S_METHOD.findall(text))
    if not rows:
        raise SpecMissing("no API methods found in the kubernetes client (its source layout changed?)")
    rows.sort(key=lambda r: (r[1], r[0], r[2]))
    return {"kubernetes.json": _dump({"source": {"package": "kubernetes", "version": version}}, "ops", rows)}


# ---- GitHub ---------------------------------------------------------------------------------
def _octokit_tarball(fetch: bool) -> str:
    name, version = OCTOKIT
    tarball = os.path.join(CACHE, f"octokit-openapi-{version}.tgz")
    if os.path.exists(tarball):
        return tarball
    if not fetch:
        raise SpecMissing(f"{name}@{version} is not in {CACHE}: run with --fetch (needs npm)")
    os.makedirs(CACHE, exist_ok=True)
    subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", CACHE], check=True,
                   stdout=subprocess.DEVNULL)
    return tarball


def gen_github(fetch: bool = False) -> Files:
    tarball = _octokit_tarball(fetch)
    with tarfile.open(tarball) as tar:
        member = tar.extractfile("package/generated/api.github.com.json")
        assert member is not None
        spec = json.load(member)
    rows = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "put", "post", "patch", "delete", "head", "options"):
                rows.append([method.upper(), path, op["operationId"]])
    rows.sort(key=lambda r: (r[1], r[0]))
    meta = {"source": {"package": OCTOKIT[0], "version": OCTOKIT[1], "spec": spec["info"]["version"]}}
    return {"github.json": _dump(meta, "ops", rows)}


# ---- Google ---------------------------------------------------------------------------------
def _methods(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from resource.get("methods", {}).values()
    for sub in resource.get("resources", {}).values():
        yield from _methods(sub)


def gen_google() -> Files:
    version = _version("google-api-python-client")
    docs = str(md.distribution("google-api-python-client").locate_file("googleapiclient/discovery_cache/documents"))
    files: Files = {}
    index: dict[str, list[list[str]]] = {}
    for path in sorted(glob.glob(os.path.join(docs, "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if "rootUrl" not in doc:
            continue
        m = re.match(r"https?://([^/]+)/(.*)$", doc["rootUrl"] + doc.get("servicePath", ""))
        if m is None:
            continue
        host, base = m.group(1), "/" + m.group(2)
        rows = sorted({(meth["httpMethod"], base + (meth.get("flatPath") or meth["path"]), meth["id"])
                       for meth in _methods(doc)}, key=lambda r: (r[1], r[0], r[2]))
        if not rows:
            continue
        key = os.path.basename(path)[:-5]
        files[f"google/{key}.json"] = _dump({"api": doc.get("name", key), "version": doc.get("version", ""),
                                             "host": host, "base": base}, "ops", [list(r) for r in rows])
        index.setdefault(host, []).append([base, key, doc.get("version", "")])
    for host, entries in index.items():
        # the longest base path first; of documents sharing one (compute.v1 and compute.preview
        # both under /compute/v1/), the one whose version the path names
        entries.sort(key=lambda e: (-len(e[0]), e[2] not in e[0].split("/"), e[1]))
        index[host] = [e[:2] for e in entries]
    out = {"source": {"package": "google-api-python-client", "version": version}, "hosts": index}
    files["google/_index.json"] = json.dumps(out, sort_keys=True, indent=0) + "\n"
    return files


GENERATORS = {"aws": gen_aws, "kubernetes": gen_kubernetes, "github": gen_github, "google": gen_google}


def generate(providers: list[str], *, fetch: bool = False) -> dict[str, Files]:
    out: dict[str, Files] = {}
    for p in providers:
        out[p] = gen_github(fetch) if p == "github" else GENERATORS[p]()
    return out


def committed(provider: str) -> Files:
    """The committed data files of one provider."""
    out: Files = {}
    folder = os.path.join(DATA, provider)
    paths = sorted(glob.glob(os.path.join(folder, "*.json"))) if os.path.isdir(folder) else []
    single = os.path.join(DATA, f"{provider}.json")
    if os.path.exists(single):
        paths.append(single)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out[os.path.relpath(path, DATA)] = f.read()
    return out


def differences(provider: str, files: Files) -> list[str]:
    have = committed(provider)
    stale = sorted(k for k in files if have.get(k) != files[k])
    extra = sorted(k for k in have if k not in files)
    return [f"stale: {k}" for k in stale] + [f"not generated: {k}" for k in extra]


def write(provider: str, files: Files) -> None:
    for rel in committed(provider):
        if rel not in files:
            os.remove(os.path.join(DATA, rel))
    for rel, text in files.items():
        path = os.path.join(DATA, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("providers", nargs="*", default=list(GENERATORS), help="aws kubernetes github google")
    ap.add_argument("--check", action="store_true", help="compare with the committed data; write nothing")
    ap.add_argument("--fetch", action="store_true", help="npm pack the GitHub description when it is not cached")
    args = ap.parse_args(argv)
    status = 0
    for provider in args.providers:
        try:
            files = generate([provider], fetch=args.fetch)[provider]
        except SpecMissing as exc:
            print(f"{provider}: skipped: {exc}", file=sys.stderr)
            status = status or 2
            continue
        if args.check:
            diff = differences(provider, files)
            for line in diff[:20]:
                print(f"{provider}: {line}")
            status = 1 if diff else status
        else:
            write(provider, files)
            size = sum(len(t) for t in files.values())
            print(f"{provider}: {len(files)} files, {size / 1024:.0f} KiB")
    return status


if __name__ == "__main__":
    sys.exit(main())
