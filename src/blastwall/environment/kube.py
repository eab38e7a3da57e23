"""Kubernetes: is the cluster a command talks to on this machine (kind, k3d, minikube, Docker Desktop)?

Resolved as kubectl does, from files only (no kubectl process): `--server`, else the context
(`--context`/`--kube-context`, else the kubeconfig's current-context) in the kubeconfig files
(`--kubeconfig`, else `KUBECONFIG`, else ~/.kube/config; the first file to set a key wins), its
cluster (`--cluster` overrides) and that cluster's API server. The server's host decides: a
loopback address or name, or an address on a network bridge of this machine (minikube's VM or
container network). The context's name counts for nothing: anyone can call a context `kind-dev`.
"""

from __future__ import annotations

import os
from typing import Any

from blastwall.environment.clients import parse_options
from blastwall.environment.commands import Invocation
from blastwall.environment.files import load_yaml
from blastwall.environment.hosts import where_is
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section


def kube_sites(inv: Invocation, vars_: Vars) -> list[Site]:
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    spec = section("kube")
    takes = {*spec["context_options"], *spec["kubeconfig_options"], *spec["server_options"], "--cluster", "-n",
             "--namespace"}
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], takes)
    if parsed.dynamic and any(o in parsed.options for o in takes - {"-n", "--namespace"}):
        return [unknown("its cluster is only known when it runs (a variable or substitution)")]
    servers = [v for o in spec["server_options"] for v in parsed.options.get(o, [])]
    if servers and inv.program in ("kubectl", "oc"):
        return [_server_site(servers[-1], "--server", spec)]
    files = [v for o in spec["kubeconfig_options"] for v in parsed.options.get(o, [])]
    if not files:
        found = vars_.first(["KUBECONFIG"])
        files = [f for f in found[1].split(os.pathsep) if f] if found else [os.path.join(os.path.expanduser("~"), ".kube", "config")]
    config = _merged(files, inv.cwd)
    if config is None:
        return [unknown(f"the kubeconfig ({', '.join(files)}) is not readable, so the cluster is not known")]
    context = next((v for o in spec["context_options"] for v in parsed.options.get(o, [])), "") or \
        str(config.get("current-context") or "")
    if not context:
        return [unknown("the kubeconfig names no current context")]
    ctx = config["contexts"].get(context)
    if not isinstance(ctx, dict):
        return [unknown(f"the kubeconfig has no context {context}")]
    cluster = next(iter(parsed.options.get("--cluster", [])), "") or str(ctx.get("cluster") or "")
    entry = config["clusters"].get(cluster)
    server = str(entry.get("server") or "") if isinstance(entry, dict) else ""
    if not server:
        return [unknown(f"context {context}'s cluster {cluster or '(none)'} has no API server in the kubeconfig")]
    if isinstance(entry, dict) and entry.get("proxy-url"):
        return [unknown(f"context {context}'s cluster is reached through the proxy {entry['proxy-url']}, "
                        "so its loopback address is the proxy's")]
    return [_server_site(server, f"context {context}", spec)]


def _server_site(server: str, via: str, spec: dict[str, Any]) -> Site:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(server if "://" in server else f"https://{server}").hostname or ""
    except ValueError:
        return unknown(f"{via}'s API server {server} is not a URL blastwall can read")
    w = where_is(host, bridges=tuple(spec["bridges"]))
    if not w.local:
        return Site(False, f"{via}'s API server {server}: {w.why}")
    return Site(True, f"{via}'s API server {server}: {w.why}", nature="local",
                nature_why="a cluster on this machine (kind, k3d, minikube, Docker Desktop) is made to be rebuilt")


def _merged(files: list[str], cwd: str | None) -> dict[str, Any] | None:
    """The kubeconfig files merged as kubectl merges them (first wins); None when none is readable."""
    merged: dict[str, Any] = {"current-context": "", "contexts": {}, "clusters": {}}
    read = False
    for f in files:
        path = os.path.expanduser(f)
        if not os.path.isabs(path) and cwd:
            path = os.path.join(cwd, path)
        doc = load_yaml(path)
        if not isinstance(doc, dict):
            continue
        read = True
        if not merged["current-context"] and doc.get("current-context"):
            merged["current-context"] = str(doc["current-context"])
        for key, inner in (("contexts", "context"), ("clusters", "cluster")):
            for item in doc.get(key) or []:
                if isinstance(item, dict) and "name" in item and str(item["name"]) not in merged[key]:
                    merged[key][str(item["name"])] = item.get(inner) if isinstance(item.get(inner), dict) else {}
    return merged if read else None
