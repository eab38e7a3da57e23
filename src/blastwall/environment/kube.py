"""Kubernetes: is the cluster a command talks to on this machine (kind, k3d, minikube, Docker Desktop)?

Resolved as kubectl does, from files only (no kubectl process): `--server`, else the context
(`--context`/`--kube-context`, else the kubeconfig's current-context) in the kubeconfig files
(`--kubeconfig`, else `KUBECONFIG`, else ~/.kube/config; the first file to set a key wins), its
cluster (`--cluster` overrides) and that cluster's API server. The server's host decides: a
loopback address or name, or an address on a network bridge of this machine (minikube's VM or
container network). The context's name counts for nothing: anyone can call a context `kind-dev`.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any

from blastwall.environment.commands import Invocation
from blastwall.environment.files import load_yaml, read_text
from blastwall.environment.hosts import where_is
from blastwall.environment.options import parse_options
from blastwall.environment.site import Site, Vars, unknown
from blastwall.environment.table import section


def kube_sites(inv: Invocation, vars_: Vars) -> list[Site]:
    if inv.elsewhere:
        return [unknown(f"{inv.program} runs through {inv.elsewhere}, on another machine or in a container")]
    spec = section("kube")
    grammar = (spec.get("grammar") or {}).get(inv.program) or (spec.get("grammar") or {}).get("kubectl", {})
    naming = {o for k in ("context", "kubeconfig", "server", "cluster", "file_options") for o in grammar.get(k, [])}
    parsed = parse_options(inv.argv[1:], inv.dynamic[1:], naming | {"-n", "--namespace"})
    if parsed.dynamic and any(o in parsed.options for o in naming):
        return [unknown("its cluster is only known when it runs (a variable or substitution)")]
    suspect = [o for o in parsed.options if o.startswith("--") and o not in naming and
               any(word in o for word in spec.get("suspect_words", []))]
    if suspect:
        return [unknown(f"{inv.program} {suspect[0]} may name another cluster")]
    env = grammar.get("env") or {}
    server = parsed.last(grammar.get("server", []))
    if server is None and env.get("server"):
        server = (vars_.first([env["server"]]) or (None, None, None))[1]
    if server:
        return [_server_site(server, f"{inv.program} {grammar.get('server', ['--server'])[-1]}", spec)]
    files = [v for o in grammar.get("kubeconfig", []) for v in parsed.options.get(o, [])][-1:]
    if not files:
        found = vars_.first(["KUBECONFIG"])
        files = [f for f in found[1].split(os.pathsep) if f] if found else [os.path.join(os.path.expanduser("~"), ".kube", "config")]
    config = _merged(files, inv.cwd)
    if config is None:
        return [unknown(f"the kubeconfig ({', '.join(files)}) is not readable, so the cluster is not known")]
    contexts = [parsed.last(grammar.get("context", []))]
    if contexts[0] is None and env.get("context"):
        contexts = [(vars_.first([env["context"]]) or (None, None, None))[1]]
    project = _project_contexts(inv, grammar, parsed)
    if isinstance(project, Site):
        return [project]
    if project:
        contexts += project
    cluster = parsed.last(grammar.get("cluster", [])) or ""
    return [_context_site(config, c or str(config.get("current-context") or ""), cluster, spec)
            for c in dict.fromkeys(contexts)]


def _context_site(config: dict[str, Any], context: str, cluster_given: str, spec: dict[str, Any]) -> Site:
    if not context:
        return unknown("the kubeconfig names no current context")
    ctx = config["contexts"].get(context)
    if not isinstance(ctx, dict):
        return unknown(f"the kubeconfig has no context {context}")
    cluster = cluster_given or str(ctx.get("cluster") or "")
    entry = config["clusters"].get(cluster)
    server = str(entry.get("server") or "") if isinstance(entry, dict) else ""
    if not server:
        return unknown(f"context {context}'s cluster {cluster or '(none)'} has no API server in the kubeconfig")
    if isinstance(entry, dict) and entry.get("proxy-url"):
        return unknown(f"context {context}'s cluster is reached through the proxy {entry['proxy-url']}, "
                       "so its loopback address is the proxy's")
    return _server_site(server, f"context {context}", spec)


_KUBE_CONTEXT = re.compile(r"""^\s*-?\s*kubeContext\s*:\s*["']?([^"'\s#]*)""", re.M)


def _project_contexts(inv: Invocation, grammar: dict[str, Any], parsed: Any) -> list[str] | Site:
    """Contexts the project's own files name for the program (helmfile.yaml, skaffold.yaml
    `kubeContext:`); a templated one is unknown."""
    if not grammar.get("files"):
        return []
    if not inv.cwd:
        return unknown("the directory it runs in is not known, so its project files cannot be read")
    given = [v for o in grammar.get("file_options", []) for v in parsed.options.get(o, [])]
    paths: list[str] = []
    for pattern in given or grammar["files"]:
        full = os.path.join(inv.cwd, pattern)
        if os.path.isdir(full):
            full = os.path.join(full, "*")
        paths += sorted(glob.glob(full)) if any(c in full for c in "*?[") else [full]
    out: list[str] = []
    for path in paths:
        text = read_text(path) if os.path.isfile(path) else None
        if text is None:
            if given:
                return unknown(f"{os.path.relpath(path, inv.cwd)} is not readable, so the cluster is not known")
            continue
        for m in _KUBE_CONTEXT.finditer(text):
            value = m.group(1)
            if not value or "{{" in value or "$" in value:
                return unknown(f"{os.path.relpath(path, inv.cwd)} chooses its kubeContext when it runs")
            out.append(value)
    return out


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
